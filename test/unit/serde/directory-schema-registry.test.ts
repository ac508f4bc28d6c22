import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySchemaRegistry } from '../../../functions/core/serde/directory-schema-registry.js';
import { SchemaNotFoundError, SerdeErrorReason } from '../../../functions/core/serde/errors.js';
import { caught } from '../../helpers/caught.js';

const VERSION_ID = 'b7b4a7f0-9c3e-4d5a-8f6e-2a1b3c4d5e6f';
const DEFINITION = '{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}';

describe('DirectorySchemaRegistry', () => {
  let root: string;
  let directory: string;
  let registry: DirectorySchemaRegistry;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'directory-schema-registry-'));
    directory = join(root, 'schemas');
    await mkdir(directory);
    registry = new DirectorySchemaRegistry({ directory });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('returns the text of <id>.avsc for a Glue schema version id', async () => {
    await writeFile(join(directory, `${VERSION_ID}.avsc`), DEFINITION);

    await expect(registry.getSchemaDefinition(VERSION_ID)).resolves.toBe(DEFINITION);
  });

  it('returns the text of <id>.avsc for a Confluent schema id', async () => {
    await writeFile(join(directory, '42.avsc'), DEFINITION);

    await expect(registry.getSchemaDefinition('42')).resolves.toBe(DEFINITION);
  });

  it('throws SchemaNotFoundError naming the path looked for when the file is missing', async () => {
    const error = await caught(registry.getSchemaDefinition(VERSION_ID));

    expect(error).toBeInstanceOf(SchemaNotFoundError);
    expect((error as SchemaNotFoundError).reason).toBe(SerdeErrorReason.SCHEMA_NOT_FOUND);
    expect((error as SchemaNotFoundError).schemaVersionId).toBe(VERSION_ID);
    expect((error as Error).message).toContain(join(directory, `${VERSION_ID}.avsc`));
  });

  it.each(['../outside', '../../etc/passwd', 'a/b', '..', '', `${VERSION_ID}/../x`, '/etc/hosts', '007'])(
    'throws SchemaNotFoundError for %j without reading outside the folder',
    async (id) => {
      // A schema file just outside the folder, which a path escape would find.
      await writeFile(join(root, 'outside.avsc'), DEFINITION);

      const error = await caught(registry.getSchemaDefinition(id));

      expect(error).toBeInstanceOf(SchemaNotFoundError);
      expect((error as SchemaNotFoundError).schemaVersionId).toBe(id);
    },
  );
});
