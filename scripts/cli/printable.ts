/**
 * Turns a decoded value into plain JSON for printing: longs that fit are
 * numbers and bigger ones decimal strings, bytes are base64, timestamps ISO
 * strings. JSON.stringify alone would print Buffers as byte arrays and throw
 * on bigints.
 */
export function toPrintable(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toPrintable);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = toPrintable(field);
  return out;
}
