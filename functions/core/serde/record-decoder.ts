import { LRUCache } from 'lru-cache';
import type { Resolver, Type } from 'avsc';
import { escapedNamesOf, parseAvroSchema, structureOf, wholeBody, withDefaults, type AvroSchemaDefinition } from './avro-schema.js';
import { escapeNames, restoreNames } from './avsc-names.js';
import { DecodeError, SchemaValidationError, SerdeError, UnsupportedSchemaError } from './errors.js';
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
  /** How to read the writer's data as the reader schema; absent without a reader. */
  readonly resolver?: Resolver;
  /** Whether a body is one whole value of the writer schema, logical types aside; built on first use. */
  readonly isWholeBody: (body: Buffer) => boolean;
  /** Gives a decoded value the names its schema writes where avsc holds them escaped; absent when it holds none so. */
  readonly restoreNames?: (value: unknown) => unknown;
}

/** A writer schema as compiled, or why it cannot be: the same answer for every record written with it. */
type CachedWriter = CompiledWriter | { readonly failure: SerdeError };

/**
 * Turns record bytes into a value: unframe, fetch the writer schema, decode
 * the Avro body and resolve it to the reader schema. Every failure is a
 * typed SerdeError whose reason is the dead-letter reason, except registry
 * outages, which propagate so the batch is retried.
 */
export class RecordDecoder {
  private readonly registry: SchemaRegistry;
  private readonly reader: Type | undefined;
  private readonly writers: LRUCache<string, CachedWriter>;

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
      if (error instanceof SchemaValidationError && compiled.isWholeBody(body)) {
        throw new SchemaValidationError(`A value written with schema ${schemaVersionId} cannot be read: ${error.message}`, { cause: error, schemaVersionId });
      }
      throw new DecodeError(
        `Avro body (${body.length} bytes) does not decode with writer schema ${schemaVersionId}; it is truncated or corrupt: ${(error as Error).message}`,
        { cause: error, schemaVersionId },
      );
    }
    return { format: unframed.format, schemaVersionId, value: compiled.restoreNames === undefined ? value : compiled.restoreNames(value) };
  }

  private async compiledWriter(schemaVersionId: string): Promise<CompiledWriter> {
    const cached = this.writers.get(schemaVersionId) ?? (await this.compile(schemaVersionId));
    if ('failure' in cached) throw cached.failure;
    return cached;
  }

  /** Compiles a writer schema once; a schema that cannot be read is remembered too, so no record compiles it again. */
  private async compile(schemaVersionId: string): Promise<CachedWriter> {
    const definition = await this.registry.getSchemaDefinition(schemaVersionId);
    let compiled: CachedWriter;
    try {
      const writer = parseAvroSchema(definition);
      const resolver = this.resolverFor(writer, schemaVersionId);
      let structure: Type | undefined;
      const isWholeBody = (body: Buffer): boolean => wholeBody((structure ??= structureOf(definition)), body);
      const decodedAs = this.reader ?? writer;
      const names = escapedNamesOf(decodedAs);
      compiled = {
        writer,
        isWholeBody,
        resolver,
        ...(names === undefined ? {} : { restoreNames: (value: unknown) => restoreNames(decodedAs, value, names) }),
      };
    } catch (error) {
      if (!(error instanceof SerdeError)) {
        const why = error instanceof UnsupportedSchemaError ? 'cannot be read here' : 'is not valid Avro';
        compiled = { failure: new DecodeError(`Writer schema ${schemaVersionId} ${why}: ${(error as Error).message}`, { cause: error, schemaVersionId }) };
      } else {
        compiled = { failure: error };
      }
    }
    this.writers.set(schemaVersionId, compiled);
    return compiled;
  }

  private resolverFor(writer: Type, schemaVersionId: string): Resolver | undefined {
    if (this.reader === undefined) return undefined;
    try {
      return this.reader.createResolver(writer);
    } catch (error) {
      throw new SchemaValidationError(
        `Data written with schema ${schemaVersionId} cannot be read as ${readerName(this.reader)}: ${(error as Error).message}`,
        { cause: error, schemaVersionId },
      );
    }
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
    const names = escapedNamesOf(this.reader);
    const value = names === undefined ? json : escapeNames(this.reader, json, names);
    try {
      const conformed: unknown = this.reader.fromBuffer(this.reader.toBuffer(withDefaults(this.reader, value)));
      return names === undefined ? conformed : restoreNames(this.reader, conformed, names);
    } catch (error) {
      const problems: string[] = [];
      this.reader.isValid(withDefaults(this.reader, value), {
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
