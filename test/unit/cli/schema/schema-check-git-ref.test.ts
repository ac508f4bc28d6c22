import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaCheckCommand } from '../../../../scripts/cli/schema/schema-command.js';
import { caught } from '../../../helpers/caught.js';
import { capture, CHANNEL_WITH_DEFAULT, QUANTITY, schemaFolder, SKU, stockMovement, type SchemaFolder } from './schema-fixtures.js';

const run = promisify(execFile);

let folder: SchemaFolder;

async function git(...args: string[]): Promise<void> {
  await run('git', ['-C', folder.root, '-c', 'user.name=rtp test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args]);
}

async function commitAll(message: string): Promise<void> {
  await git('add', '-A');
  await git('commit', '-q', '-m', message);
}

async function checkAgainst(ref: string): Promise<{ code: number; lines: string[] }> {
  const io = capture();
  const code = await schemaCheckCommand({ schemas: folder.dir, against: ref }, io);
  return { code, lines: io.lines };
}

beforeEach(async () => {
  folder = await schemaFolder();
  await git('init', '-q', '-b', 'main');
  await writeFile(join(folder.root, 'README'), 'a repository whose schemas/ came later\n');
  await commitAll('before schemas');
  await git('tag', 'before-schemas');
  await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU, QUANTITY])]);
  await folder.subject('orders', 'FULL_ALL', [stockMovement([SKU])]);
  await commitAll('schemas v1');
});
afterEach(async () => {
  await folder.remove();
});

describe('rtp schema check --against <git-ref>', () => {
  it('passes when published versions are unchanged and a new version is compatible with them', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU, QUANTITY]), stockMovement([SKU, QUANTITY, CHANNEL_WITH_DEFAULT])]);

    const { code, lines } = await checkAgainst('main');

    expect(code).toBe(0);
    expect(lines).toEqual([
      'ok   orders: v1 as at main, nothing new',
      'ok   stock-movements: v1 as at main; v2 new, checked under BACKWARD',
      'schema check passed against git main: 2 subject(s)',
    ]);
  });

  it('rejects an edited published version as VERSION_CHANGED, and checks new versions against the version as published', async () => {
    // The edit adds quantity to v1 so that v2, which needs it, would pass against the edited file.
    await folder.subject('orders', 'FULL_ALL', [stockMovement([SKU, QUANTITY]), stockMovement([SKU, QUANTITY])]);

    const { code, lines } = await checkAgainst('main');

    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^orders v1: VERSION_CHANGED at .*orders\/v1\.avsc \(main\): v1\.avsc differs from v1\.avsc at main: a published version cannot change/);
    expect(lines[1]).toMatch(/^orders v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FULL_ALL\)/);
  });

  it('does not count a reformatted published version (whitespace, key order) as changed', async () => {
    await writeFile(join(folder.dir, 'orders', 'v1.avsc'), JSON.stringify({ fields: [{ type: 'string', name: 'sku' }], namespace: 'com.example', name: 'StockMovement', type: 'record' }));

    expect((await checkAgainst('main')).code).toBe(0);
  });

  it('rejects a removed version or subject', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU, QUANTITY]), stockMovement([SKU, QUANTITY, CHANNEL_WITH_DEFAULT])]);
    await commitAll('stock-movements v2');
    await rm(join(folder.dir, 'stock-movements', 'v2.avsc'));
    await rm(join(folder.dir, 'orders'), { recursive: true });

    const { code, lines } = await checkAgainst('HEAD');

    expect(code).toBe(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stock-movements v2: VERSION_REMOVED \(HEAD\): v2\.avsc exists at HEAD/),
        expect.stringMatching(/^orders v1: SUBJECT_REMOVED \(HEAD\)/),
      ]),
    );
  });

  it('reports a compatibility mode change as a warning, and checks new versions under the new mode', async () => {
    await folder.subject('stock-movements', 'FORWARD', [stockMovement([SKU, QUANTITY]), stockMovement([SKU])]);

    const { code, lines } = await checkAgainst('main');

    expect(code).toBe(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning: stock-movements v2: MODE_CHANGED at \S*stock-movements\/subject\.json \(main\): compatibility changes from BACKWARD at main to FORWARD/),
        expect.stringMatching(/^stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FORWARD\)/),
      ]),
    );
  });

  it('treats every subject as new against a ref that had no schemas/', async () => {
    const { code, lines } = await checkAgainst('before-schemas');

    expect(code).toBe(0);
    expect(lines).toContain('ok   stock-movements: new since before-schemas; v1 checked under BACKWARD');
  });

  it('fails with what to do for a ref git does not know', async () => {
    expect(await caught(checkAgainst('no-such-branch'))).toMatchObject({ name: 'CliError', message: expect.stringMatching(/Unknown git ref 'no-such-branch': fetch it first/) as unknown });
  });
});
