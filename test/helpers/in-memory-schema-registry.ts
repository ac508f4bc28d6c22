import { SchemaNotFoundError } from '../../functions/core/serde/errors.js';
import type { SchemaRegistry } from '../../functions/core/serde/schema-registry.js';

/** A registry over a map, counting lookups; for tests that are not about the Glue adapter. */
export class InMemorySchemaRegistry implements SchemaRegistry {
  public lookups = 0;
  private readonly definitions: Map<string, string>;

  public constructor(definitions: Record<string, string> = {}) {
    this.definitions = new Map(Object.entries(definitions));
  }

  public register(id: string, definition: string): void {
    this.definitions.set(id, definition);
  }

  public getSchemaDefinition(schemaVersionId: string): Promise<string> {
    this.lookups += 1;
    const definition = this.definitions.get(schemaVersionId);
    if (definition === undefined) {
      return Promise.reject(new SchemaNotFoundError(`Schema version ${schemaVersionId} is not registered`, { schemaVersionId }));
    }
    return Promise.resolve(definition);
  }
}
