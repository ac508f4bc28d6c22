import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SchemaNotFoundError, SchemaRegistryUnavailableError } from './errors.js';
import { isConfluentSchemaId, isGlueSchemaVersionId, type SchemaRegistry } from './schema-registry.js';

export interface DirectorySchemaRegistryProps {
  /** Folder holding one `<schemaVersionId>.avsc` file per writer schema. */
  readonly directory: string;
}

/**
 * Writer schemas from a local folder, for decoding dead letters offline
 * without access to the registry they were written against.
 */
export class DirectorySchemaRegistry implements SchemaRegistry {
  private readonly directory: string;

  public constructor(props: DirectorySchemaRegistryProps) {
    this.directory = props.directory;
  }

  public async getSchemaDefinition(schemaVersionId: string): Promise<string> {
    // The id comes from the record's bytes, so only the two id shapes may
    // become a file name: anything else (`../x`, `a/b`) could leave the folder.
    if (!isGlueSchemaVersionId(schemaVersionId) && !isConfluentSchemaId(schemaVersionId)) {
      throw new SchemaNotFoundError(
        `Schema version id ${JSON.stringify(schemaVersionId)} is neither a Glue schema version id (a UUID) nor a Confluent schema id`,
        { schemaVersionId },
      );
    }
    // Glue issues lower-case UUIDs, so that is how the files are named.
    const path = join(this.directory, `${schemaVersionId.toLowerCase()}.avsc`);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR')) {
        throw new SchemaNotFoundError(`No schema file for schema version ${schemaVersionId}: ${path} does not exist`, {
          schemaVersionId,
          cause: error,
        });
      }
      throw new SchemaRegistryUnavailableError(
        `Could not read schema file ${path} for schema version ${schemaVersionId}`,
        schemaVersionId,
        { cause: error },
      );
    }
  }
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
