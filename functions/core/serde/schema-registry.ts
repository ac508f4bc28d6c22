/** Where writer schemas come from. Ids are Glue schema version UUIDs or Confluent ids as decimal strings. */
export interface SchemaRegistry {
  /** The Avro definition (JSON text) of a schema version. Throws SchemaNotFoundError if the registry has no such version, SchemaRegistryUnavailableError if it cannot be asked. */
  getSchemaDefinition(schemaVersionId: string): Promise<string>;
}

// Case-insensitive because a UUID is; adapters lower-case it before use since
// Glue itself only ever issues (and documents) lower-case ids.
const GLUE_SCHEMA_VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Canonical decimal form only, so "7" and "007" cannot name two different files.
const CONFLUENT_SCHEMA_ID = /^(?:0|[1-9][0-9]{0,9})$/;

/** Whether `id` has the shape of a Glue schema version id (a UUID). */
export function isGlueSchemaVersionId(id: string): boolean {
  return GLUE_SCHEMA_VERSION_ID.test(id);
}

/** Whether `id` has the shape of a Confluent schema id (a non-negative decimal integer). */
export function isConfluentSchemaId(id: string): boolean {
  return CONFLUENT_SCHEMA_ID.test(id);
}
