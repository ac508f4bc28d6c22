/**
 * Random values for any Avro schema, from a seeded generator. avsc's own
 * `Type.random()` draws from one unseeded module-wide generator, so runs
 * cannot be repeated, and it fills logical types from their underlying type
 * (a timestamp-millis of a random long is not a date, a decimal of random
 * bytes exceeds its precision), which the pipeline's types refuse. This walks
 * the schema JSON instead, because avsc drops the attributes of logical types
 * it does not know (uuid, date, ...), and gives each logical type a value of
 * its own kind.
 */

import type { Schema, Type } from 'avsc';
import avro from '../../../functions/core/serde/avsc.js';
import { escapedNamesOf, parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { escapeNames, type AvscNames } from '../../../functions/core/serde/avsc-names.js';
import { CliError } from '../cli-error.js';

/** A source of numbers in [0, 1), such as `seededRandom(seed)`. */
export type Random = () => number;

export interface RandomValueOptions {
  /** Timestamps are drawn from the hour before it (epoch ms). */
  readonly baseTime: number;
}

type Generate = (rng: Random) => unknown;
/** Nesting of records being generated: a recursive schema must end, so deep down containers stay empty and unions take null. */
interface Depth {
  current: number;
}
const MAX_DEPTH = 3;
type SchemaNode = string | readonly unknown[] | { readonly [key: string]: unknown };

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Compiles `schema` (parsed JSON) into a function giving a new random value
 * per call, in the shape the pipeline's Avro types take (see
 * `parseAvroSchema`): a union's value is its branch's plain value, or
 * wrapped in `{ branch: value }` where the union cannot tell its branches
 * apart by value.
 */
export function randomValueGenerator(schema: unknown, options: RandomValueOptions): (rng: Random) => unknown {
  const named = new Map<string, Generate>();
  const generate = compile(schema as SchemaNode, '', named, options, { current: 0 });
  const type = parseAvroSchema(schema as Schema);
  const names = escapedNamesOf(type);
  // The generator writes names as the schema does; avsc may hold some escaped.
  return (rng) => {
    const value = shapeUnions(type, generate(rng), names);
    return names === undefined ? value : escapeNames(type, value, names);
  };
}

/** The branch a union's value was drawn from, until `shapeUnions` knows whether the union is wrapped. */
class UnionBranch {
  public constructor(
    public readonly index: number,
    public readonly value: unknown,
  ) {}
}

/**
 * Puts each union's value in the shape its avsc type takes: wrapped in the
 * branch's name, or plain. Names stay as the schema writes them (`names`
 * maps the ones avsc holds escaped back), as the generator wrote them.
 */
function shapeUnions(type: Type, value: unknown, names: AvscNames | undefined): unknown {
  if (value instanceof UnionBranch) {
    const branch = (type as Type & { readonly types: readonly Type[] }).types[value.index] as Type;
    const inner = shapeUnions(branch, value.value, names);
    const branchName = branch.branchName as string;
    return type instanceof avro.types.WrappedUnionType && inner !== null ? { [names?.types.get(branchName) ?? branchName]: inner } : inner;
  }
  if (type instanceof avro.types.RecordType && value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const written = names?.fields.get(type.name as string);
    return Object.fromEntries(type.fields.map((field) => [written?.get(field.name) ?? field.name, shapeUnions(field.type, record[written?.get(field.name) ?? field.name], names)]));
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value)) return value.map((item) => shapeUnions(type.itemsType, item, names));
  if (type instanceof avro.types.MapType && value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeUnions(type.valuesType as Type, item, names)]));
  }
  return value;
}

function compile(node: SchemaNode, namespace: string, named: Map<string, Generate>, options: RandomValueOptions, depth: Depth): Generate {
  if (typeof node === 'string') return primitive(node, namespace, named);
  if (Array.isArray(node)) {
    const branches = node.map((branch) => compile(branch as SchemaNode, namespace, named, options, depth));
    const nullBranch = node.indexOf('null');
    return (rng) => {
      const index = depth.current >= MAX_DEPTH && nullBranch >= 0 ? nullBranch : Math.floor(rng() * branches.length);
      return new UnionBranch(index, (branches[index] as Generate)(rng));
    };
  }
  const schema = node as { readonly [key: string]: unknown };
  const logical = logicalType(schema, options);
  if (logical !== undefined) return logical;
  const type = schema.type as SchemaNode;
  switch (type) {
    case 'record':
    case 'error': {
      const { fullName, space } = nameOf(schema, namespace);
      const fields: Array<[string, Generate]> = [];
      // Registered before the fields compile, so a recursive reference finds it.
      const generate: Generate = (rng) => {
        depth.current += 1;
        try {
          return Object.fromEntries(fields.map(([name, g]) => [name, g(rng)]));
        } finally {
          depth.current -= 1;
        }
      };
      named.set(fullName, generate);
      for (const field of schema.fields as ReadonlyArray<{ name: string; type: SchemaNode }>) fields.push([field.name, compile(field.type, space, named, options, depth)]);
      return generate;
    }
    case 'enum': {
      const symbols = schema.symbols as readonly string[];
      const generate: Generate = (rng) => pick(rng, symbols);
      named.set(nameOf(schema, namespace).fullName, generate);
      return generate;
    }
    case 'fixed': {
      const size = schema.size as number;
      const generate: Generate = (rng) => randomBytes(rng, size);
      named.set(nameOf(schema, namespace).fullName, generate);
      return generate;
    }
    case 'array': {
      const items = compile(schema.items as SchemaNode, namespace, named, options, depth);
      return (rng) => Array.from({ length: depth.current >= MAX_DEPTH ? 0 : Math.floor(rng() * 5) }, () => items(rng));
    }
    case 'map': {
      const values = compile(schema.values as SchemaNode, namespace, named, options, depth);
      return (rng) => Object.fromEntries(Array.from({ length: depth.current >= MAX_DEPTH ? 0 : Math.floor(rng() * 5) }, (_, i) => [`${randomString(rng, 6)}${i}`, values(rng)]));
    }
    default:
      return compile(type, namespace, named, options, depth);
  }
}

function primitive(name: string, namespace: string, named: Map<string, Generate>): Generate {
  switch (name) {
    case 'null':
      return () => null;
    case 'boolean':
      return (rng) => rng() < 0.5;
    case 'int':
      return (rng) => Math.floor(rng() * 1_000);
    case 'long':
      return (rng) => Math.floor(rng() * 1_000_000);
    case 'float':
    case 'double':
      return (rng) => Math.round(rng() * 100_000) / 100;
    case 'string':
      return (rng) => randomString(rng, 1 + Math.floor(rng() * 12));
    case 'bytes':
      return (rng) => randomBytes(rng, Math.floor(rng() * 16));
    default: {
      // A reference to a named type, full or relative to the enclosing namespace; looked up when used, for recursion.
      const full = name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
      return (rng) => {
        const generate = named.get(full) ?? named.get(name);
        if (generate === undefined) throw new CliError(`schema refers to unknown type '${name}'`);
        return generate(rng);
      };
    }
  }
}

function logicalType(schema: { readonly [key: string]: unknown }, options: RandomValueOptions): Generate | undefined {
  switch (schema.logicalType) {
    case 'timestamp-millis':
      return (rng) => new Date(options.baseTime - Math.floor(rng() * HOUR_MS));
    case 'timestamp-micros':
      return (rng) => (options.baseTime - Math.floor(rng() * HOUR_MS)) * 1_000;
    case 'date':
      return (rng) => Math.floor((options.baseTime - Math.floor(rng() * 30) * DAY_MS) / DAY_MS);
    case 'time-millis':
      return (rng) => Math.floor(rng() * DAY_MS);
    case 'time-micros':
      return (rng) => Math.floor(rng() * DAY_MS) * 1_000;
    case 'uuid':
      return (rng) => randomUuid(rng);
    case 'decimal': {
      const precision = schema.precision as number;
      const scale = (schema.scale as number | undefined) ?? 0;
      // Up to 7 whole digits: money-like amounts, within the precision and exact as a double.
      const digits = Math.min(precision, scale + 7);
      return (rng) => {
        const unscaled = BigInt(Math.floor(rng() * 10 ** digits));
        const text = unscaled.toString().padStart(scale + 1, '0');
        return scale === 0 ? text : `${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`;
      };
    }
    default:
      return undefined;
  }
}

function nameOf(schema: { readonly [key: string]: unknown }, namespace: string): { fullName: string; space: string } {
  const name = schema.name as string;
  if (name.includes('.')) return { fullName: name, space: name.slice(0, name.lastIndexOf('.')) };
  const space = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  return { fullName: space === '' ? name : `${space}.${name}`, space };
}

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function randomString(rng: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHANUMERIC[Math.floor(rng() * ALPHANUMERIC.length)];
  return out;
}

function randomBytes(rng: Random, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(rng() * 256)));
}

function randomUuid(rng: Random): string {
  const hex = randomBytes(rng, 16);
  hex[6] = ((hex[6] ?? 0) & 0x0f) | 0x40;
  hex[8] = ((hex[8] ?? 0) & 0x3f) | 0x80;
  const h = hex.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
