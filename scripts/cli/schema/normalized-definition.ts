/**
 * A schema definition with formatting and object key order taken out, so a
 * re-indented file or a registry that stores the definition differently is
 * not mistaken for a changed schema. Array order (fields, symbols, union
 * branches) is kept: it is part of an Avro schema.
 */
export function normalizeDefinition(definition: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    // A bare primitive name such as `string`, or text that is no JSON: compared as trimmed text.
    return definition.trim();
  }
  return JSON.stringify(sortKeys(parsed));
}

export function sameDefinition(a: string, b: string): boolean {
  return normalizeDefinition(a) === normalizeDefinition(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, field]) => [key, sortKeys(field)]));
}
