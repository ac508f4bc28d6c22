import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaCheckCommand } from '../../../../scripts/cli/schema/schema-command.js';
import { CliError } from '../../../../scripts/cli/cli-error.js';
import { caught } from '../../../helpers/caught.js';
import { capture, CHANNEL_WITH_DEFAULT, QUANTITY, schemaFolder, SKU, stockMovement, type SchemaFolder } from './schema-fixtures.js';

const REPOSITORY_SCHEMAS = fileURLToPath(new URL('../../../../schemas/', import.meta.url));

let folder: SchemaFolder;
beforeEach(async () => {
  folder = await schemaFolder();
});
afterEach(async () => {
  await folder.remove();
});

async function check(options: { json?: boolean; subject?: string } = {}): Promise<{ code: number; lines: string[] }> {
  const io = capture();
  const code = await schemaCheckCommand({ schemas: folder.dir, ...options }, io);
  return { code, lines: io.lines };
}

describe('rtp schema check (version chains under each declared mode)', () => {
  it("passes on the repository's own schemas/", async () => {
    const io = capture();

    const code = await schemaCheckCommand({ schemas: REPOSITORY_SCHEMAS }, io);

    expect(code).toBe(0);
    expect(io.lines).toContain('ok   orders: v1..v3 checked in order under FULL_ALL');
  });

  it('rejects a required field added under BACKWARD, naming subject, versions, field path and rule', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU]), stockMovement([SKU, QUANTITY])]);

    const { code, lines } = await check();

    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(BACKWARD\): /);
    expect(lines.at(-1)).toMatch(/^schema check failed against files: 1 error/);
  });

  it('accepts a field added with a default under BACKWARD and prints a summary per subject', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU]), stockMovement([SKU, CHANNEL_WITH_DEFAULT])]);
    await folder.subject('single', 'FULL', [stockMovement([SKU])]);

    const { code, lines } = await check();

    expect(code).toBe(0);
    expect(lines).toEqual([
      'ok   single: v1 under FULL, nothing to compare yet',
      'ok   stock-movements: v1..v2 checked in order under BACKWARD',
      'schema check passed against files: 2 subject(s)',
    ]);
  });

  it('accepts a required field removed under BACKWARD (the new reader ignores it), as Glue does', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU, QUANTITY]), stockMovement([SKU])]);

    expect((await check()).code).toBe(0);
  });

  it('rejects a required field removed under FORWARD: the prior reader needs it', async () => {
    await folder.subject('stock-movements', 'FORWARD', [stockMovement([SKU, QUANTITY]), stockMovement([SKU])]);

    const { code, lines } = await check();

    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FORWARD\)/);
  });

  it('checks BACKWARD against the latest version only, BACKWARD_ALL against every earlier one', async () => {
    // v3 makes quantity required: v2's data has it, v1's does not.
    const chain = [stockMovement([SKU]), stockMovement([SKU, { ...QUANTITY, default: 0 }]), stockMovement([SKU, QUANTITY])];
    await folder.subject('latest-only', 'BACKWARD', chain);
    await folder.subject('all', 'BACKWARD_ALL', chain);

    const { code, lines } = await check();

    expect(code).toBe(1);
    expect(lines.filter((l) => !l.startsWith('ok') && !l.startsWith('FAIL') && !l.startsWith('schema check'))).toEqual([
      expect.stringMatching(/^all v3 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(BACKWARD_ALL\)/),
    ]);
    expect(lines).toContain('ok   latest-only: v1..v3 checked in order under BACKWARD');
  });

  it('holds a FULL_ALL chain to both directions against every earlier version', async () => {
    // v2 adds a defaulted field (fine both ways); v3 drops the required quantity v1 and v2 readers need.
    await folder.subject('orders', 'FULL_ALL', [stockMovement([SKU, QUANTITY]), stockMovement([SKU, QUANTITY, CHANNEL_WITH_DEFAULT]), stockMovement([SKU, CHANNEL_WITH_DEFAULT])]);

    const { code, lines } = await check();

    expect(code).toBe(1);
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^orders v3 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FULL_ALL\): .*version 1/),
      expect.stringMatching(/^orders v3 vs v2: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FULL_ALL\): .*version 2/),
    ]);
    expect(lines).toContain('FAIL orders: v1..v3 checked in order under FULL_ALL (2 error(s))');
  });

  it('refuses any version after v1 under DISABLED, and accepts a lone v1', async () => {
    await folder.subject('frozen', 'DISABLED', [stockMovement([SKU])]);
    expect((await check()).code).toBe(0);

    await folder.subject('frozen', 'DISABLED', [stockMovement([SKU]), stockMovement([SKU, CHANNEL_WITH_DEFAULT])]);
    const { code, lines } = await check();

    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^frozen v2 vs v1: VERSIONING_DISABLED at StockMovement \(DISABLED\)/);
  });

  it('accepts anything under NONE', async () => {
    await folder.subject('free', 'NONE', [stockMovement([SKU]), { type: 'record', name: 'Other', fields: [{ name: 'n', type: 'long' }] }]);

    expect((await check()).code).toBe(0);
  });

  it('prints a machine-readable result with --json', async () => {
    await folder.subject('stock-movements', 'BACKWARD', [stockMovement([SKU]), stockMovement([SKU, QUANTITY])]);

    const io = capture();
    const code = await schemaCheckCommand({ schemas: folder.dir, json: true }, io);

    expect(code).toBe(1);
    const result = JSON.parse(io.text()) as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: false,
      against: 'files',
      subjects: [{ subject: 'stock-movements', compatibility: 'BACKWARD', versions: 2, errors: 1 }],
      findings: [
        {
          subject: 'stock-movements',
          version: 2,
          againstVersion: 1,
          rule: 'READER_FIELD_MISSING_DEFAULT',
          path: 'StockMovement.quantity',
          context: 'BACKWARD',
          direction: 'new-reads-prior',
          severity: 'error',
        },
      ],
    });
  });

  it('fails with what to do for a folder that breaks the catalog rules, or a subject it does not have', async () => {
    await folder.subject('gap', 'BACKWARD', [stockMovement([SKU])]);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${folder.dir}/gap/v3.avsc`, JSON.stringify(stockMovement([SKU])));

    expect(await caught(check())).toMatchObject({ name: 'CliError', message: expect.stringMatching(/expected v2\.avsc before it/) as unknown });
    expect(await caught(schemaCheckCommand({ schemas: folder.dir, subject: 'nope' }, capture()))).toBeInstanceOf(CliError);
  });
});
