import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaCommandIo } from '../../../../scripts/cli/schema/schema-command.js';

/** A schemas/ folder in a temporary directory, written by the test that uses it. */
export interface SchemaFolder {
  readonly root: string;
  /** The schemas folder itself (`<root>/schemas`). */
  readonly dir: string;
  subject(name: string, compatibility: string, versions: readonly object[]): Promise<void>;
  remove(): Promise<void>;
}

export async function schemaFolder(): Promise<SchemaFolder> {
  const root = await mkdtemp(join(tmpdir(), 'rtp-schema-test-'));
  const dir = join(root, 'schemas');
  await mkdir(dir);
  return {
    root,
    dir,
    async subject(name, compatibility, versions) {
      const folder = join(dir, name);
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder);
      await writeFile(join(folder, 'subject.json'), JSON.stringify({ compatibility }, null, 2));
      for (const [index, schema] of versions.entries()) await writeFile(join(folder, `v${index + 1}.avsc`), JSON.stringify(schema, null, 2));
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

type Field = { readonly name: string; readonly type: unknown; readonly default?: unknown };

export function stockMovement(fields: readonly Field[]): object {
  return { type: 'record', name: 'StockMovement', namespace: 'com.example', fields };
}

export const SKU: Field = { name: 'sku', type: 'string' };
export const QUANTITY: Field = { name: 'quantity', type: 'int' };
export const CHANNEL_WITH_DEFAULT: Field = { name: 'channel', type: 'string', default: 'pos' };

/** Collects what a command writes. */
export function capture(): SchemaCommandIo & { readonly lines: string[]; text(): string } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line), text: () => lines.join('\n') };
}
