import { LRUCache } from 'lru-cache';
import type { Resolver, Type } from 'avsc';
import { isWholeBody, parseAvroSchema, withDefaults, type AvroSchemaDefinition } from './avro-schema.js';
import { DecodeError, SchemaValidationError } from './errors.js';
import type { SchemaRegistry } from './schema-registry.js';
import { unframe, WireFormat } from './wire-format.js';
import type { KafkaSchemaMetadata } from '../msk/types.js';

export interface DecodedValue {
  readonly format: WireFormat;
  /** The writer schema: Glue UUID or Confluent id. Absent for JSON. */
  readonly schemaVersionId?: string;
  readonly value: unknown;
}

export interface RecordDecoderProps {
  /** Where writer schemas come from. */
  readonly registry: SchemaRegistry;
  /**
   * The schema the processor reads with. Avro records are resolved from
   * their writer schema to this one, and JSON records must fit it.
   * @default none: Avro records decode with their writer schema, JSON as is
   */
  readonly readerSchema?: AvroSchemaDefinition;
  /** Compiled writer schemas kept per container. @default 256 */
  readonly maxCachedWriters?: number;
}

interface CompiledWriter {
  readonly writer: Type;
  /** The writer schema as the registry gave it. */
  readonly definition: string;
  /** How to read the writer's data as the reader schema; absent without a reader. */
  readonly resolver?: Resolver;
}

/**
 * Turns record bytes into a value: unframe, fetch the writer schema, decode
 * the Avro body and resolve it to the reader schema. Every failure is a
 * typed SerdeError whose reason is the dead-letter reason, except registry
 * outages, which propagate so the batch is retried.
 */
export class RecordDecoder {
  private readonly registry: SchemaRegistry;
  private readonly reader: Type | undefined;
  private readonly writers: LRUCache<string, CompiledWriter>;

  public constructor(props: RecordDecoderProps) {
    this.registry = props.registry;
    this.reader = props.readerSchema === undefined ? undefined : parseAvroSchema(props.readerSchema);
    this.writers = new LRUCache({ max: props.maxCachedWriters ?? 256 });
  }

  public async decode(bytes: Buffer | null, metadata?: KafkaSchemaMetadata): Promise<DecodedValue> {
    // A null value is a Kafka tombstone (a delete for compacted and CDC topics).
    if (bytes === null) return { format: WireFormat.JSON, value: null };
    const unframed = unframe(bytes, metadata);
    if (unframed.format === WireFormat.JSON) {
      return { format: WireFormat.JSON, value: this.conformJson(unframed.json) };
    }
    const { schemaVersionId, body } = unframed;
    const compiled = await this.compiledWriter(schemaVersionId);
    let value: unknown;
    try {
      value = compiled.resolver === undefined
        ? compiled.writer.fromBuffer(body)
        : this.reader?.fromBuffer(body, compiled.resolver);
    } catch (error) {
      // A value the reader cannot hold fails mid-read, before avsc sees whether the body is whole.
      if (error instanceof SchemaValidationError && isWholeBody(compiled.definition, body)) {
        throw new SchemaValidationError(`A value written with schema ${schemaVersionId} cannot be read: ${error.message}`, { cause: error, schemaVersionId });
      }
      throw new DecodeError(
        `Avro body (${body.length} bytes) does not decode with writer schema ${schemaVersionId}; it is truncated or corrupt: ${(error as Error).message}`,
        { cause: error, schemaVersionId },
      );
    }
    return { format: unframed.format, schemaVersionId, value };
  }

  private async compiledWriter(schemaVersionId: string): Promise<CompiledWriter> {
    const cached = this.writers.get(schemaVersionId);
    if (cached !== undefined) return cached;
    const definition = await this.registry.getSchemaDefinition(schemaVersionId);
    let writer: Type;
    try {
      writer = parseAvroSchema(definition);
    } catch (error) {
      throw new DecodeError(`Writer schema ${schemaVersionId} is not valid Avro: ${(error as Error).message}`, {
        cause: error,
        schemaVersionId,
      });
    }
    let resolver: Resolver | undefined;
    if (this.reader !== undefined) {
      try {
        resolver = this.reader.createResolver(writer);
      } catch (error) {
        throw new SchemaValidationError(
          `Data written with schema ${schemaVersionId} cannot be read as ${readerName(this.reader)}: ${(error as Error).message}`,
          { cause: error, schemaVersionId },
        );
      }
    }
    const compiled: CompiledWriter = resolver === undefined ? { writer, definition } : { writer, definition, resolver };
    this.writers.set(schemaVersionId, compiled);
    return compiled;
  }

  /**
   * JSON must fit the reader schema when there is one; fields it lacks take
   * the reader's defaults. It then goes through the
   * reader's binary encoding and back, which checks every field and yields
   * the same representation an Avro record would have (timestamps as Dates,
   * decimals as exact strings), so processors see one shape whatever the
   * wire format.
   */
  private conformJson(json: unknown): unknown {
    if (this.reader === undefined || json === null) return json;
    try {
      return this.reader.fromBuffer(this.reader.toBuffer(withDefaults(this.reader, json)));
    } catch (error) {
      const problems: string[] = [];
      this.reader.isValid(withDefaults(this.reader, json), {
        errorHook: (path: string[], value: unknown, type: Type) => {
          problems.push(`'${path.join('.') || '(root)'}' ${describe(value)} is not a valid ${typeLabel(type)}`);
        },
      });
      const detail = problems.length > 0 ? problems.slice(0, 5).join('; ') : (error as Error).message;
      throw new SchemaValidationError(`JSON record does not fit ${readerName(this.reader)}: ${detail}`, { cause: error });
    }
  }
}

function readerName(type: Type): string {
  return type.name === undefined ? `reader schema (${type.typeName})` : `reader schema ${type.name}`;
}

function typeLabel(type: Type): string {
  return type.name ?? type.typeName;
}

function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = typeof value === 'bigint' ? value.toString() : (JSON.stringify(value) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
