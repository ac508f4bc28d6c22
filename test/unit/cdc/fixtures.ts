import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A CDC fixture, parsed afresh on every call so a test may change its copy. */
export function cdcFixture(relativePath: string): unknown {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${relativePath}`, 'utf8')) as unknown;
}

/** A fixture that is a JSON object, for tests that edit fields. */
export function cdcObjectFixture(relativePath: string): Record<string, unknown> {
  const value = cdcFixture(relativePath);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${relativePath} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Wraps a schemaless Debezium payload the way JsonConverter does with `schemas.enable=true`. */
export function withSchema(payload: unknown): { schema: unknown; payload: unknown } {
  const { schema } = cdcObjectFixture('debezium-postgres/create.schemas-enabled.json');
  return { schema, payload };
}

/** The error a function throws, for tests that inspect it; fails if it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
