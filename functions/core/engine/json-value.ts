import type { Json } from '../state/state-items.js';
import { ProcessingError } from './errors.js';

/**
 * State holds JSON only. Accumulators and rows pass through this after
 * every change, so a value folded within one chunk is exactly the value a
 * later chunk reads back: results cannot depend on where batches split.
 * Dates become ISO strings, exact bigints numbers where they fit and
 * decimal strings otherwise, bytes base64.
 */
export function toJson(value: unknown, path = '$'): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ProcessingError(`${path} is ${value}, which state cannot hold`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item, i) => toJson(item ?? null, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) out[key] = toJson(field, `${path}.${key}`);
    }
    return out;
  }
  throw new ProcessingError(`${path} is a ${typeof value}, which state cannot hold`);
}
