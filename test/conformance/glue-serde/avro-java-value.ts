/**
 * Avro Java's decoding of a frame as GlueFrames.java renders it, and how
 * the contract's walks read it: a map as its entries in order, a union as
 * the branch it took and its value.
 */
import type { AvroType } from './avro-type.js';

/** Avro Java's decoding as GlueFrames.java renders it (see there). */
export type AvroJson = null | boolean | number | string | AvroJson[] | { readonly [key: string]: AvroJson };

export function mapEntries(avro: AvroJson): [string, AvroJson][] {
  return (avro as [string, AvroJson][]).map(([key, value]) => [key, value]);
}

export function unionOf(avro: AvroJson): { branch: number; value: AvroJson } {
  const union = avro as { branch: number; value: AvroJson };
  return { branch: union.branch, value: union.value };
}

export function branchOf(type: { readonly branches: readonly AvroType[] }, branch: number): AvroType {
  const chosen = type.branches[branch];
  if (chosen === undefined) throw new Error(`Avro Java names union branch ${branch} of ${type.branches.length}`);
  return chosen;
}

/** A record field's path below `path`, for messages: `order.lines`. */
export function fieldPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
