import { describe, expect, it, vi } from 'vitest';
import { CachedSchemaRegistry } from '../../../functions/core/serde/cached-schema-registry.js';
import { SchemaNotFoundError, SchemaRegistryUnavailableError, SerdeErrorReason } from '../../../functions/core/serde/errors.js';
import type { SchemaRegistry } from '../../../functions/core/serde/schema-registry.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A registry whose answers the test scripts, counting calls per id. */
function fakeRegistry(answer: (id: string) => Promise<string>) {
  const getSchemaDefinition = vi.fn(answer);
  const registry: SchemaRegistry = { getSchemaDefinition };
  return { registry, getSchemaDefinition };
}

const definitionOf = (id: string): string => `{"type":"record","name":"R${id}","fields":[]}`;
const notFound = (id: string): SchemaNotFoundError => new SchemaNotFoundError(`no ${id}`, { schemaVersionId: id });
const unavailable = (id: string): SchemaRegistryUnavailableError =>
  new SchemaRegistryUnavailableError(`throttled on ${id}`, id);

describe('CachedSchemaRegistry', () => {
  it('makes one underlying call for 50 concurrent lookups of one id', async () => {
    // Prepare
    const pending = deferred<string>();
    const { registry, getSchemaDefinition } = fakeRegistry(() => pending.promise);
    const cached = new CachedSchemaRegistry(registry);

    // Act
    const lookups = Array.from({ length: 50 }, () => cached.getSchemaDefinition('a'));
    pending.resolve(definitionOf('a'));
    const definitions = await Promise.all(lookups);

    // Assess
    expect(getSchemaDefinition).toHaveBeenCalledTimes(1);
    expect(new Set(definitions)).toStrictEqual(new Set([definitionOf('a')]));
  });

  it('answers later lookups from the cache', async () => {
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));
    const cached = new CachedSchemaRegistry(registry);

    await cached.getSchemaDefinition('a');
    const again = await cached.getSchemaDefinition('a');

    expect(again).toBe(definitionOf('a'));
    expect(getSchemaDefinition).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used definition beyond max', async () => {
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));
    const cached = new CachedSchemaRegistry(registry, { max: 2 });

    await cached.getSchemaDefinition('a');
    await cached.getSchemaDefinition('b');
    await cached.getSchemaDefinition('c');
    await cached.getSchemaDefinition('c');
    await cached.getSchemaDefinition('a');

    expect(getSchemaDefinition.mock.calls.map(([id]) => id)).toStrictEqual(['a', 'b', 'c', 'a']);
  });

  it('remembers "not found" until the TTL passes, then asks again', async () => {
    let now = 1_000_000;
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.reject(notFound(id)));
    const cached = new CachedSchemaRegistry(registry, { notFoundTtlMs: 60_000, now: () => now });

    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);
    now += 59_999;
    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);
    expect(getSchemaDefinition).toHaveBeenCalledTimes(1);

    now += 1;
    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);
    expect(getSchemaDefinition).toHaveBeenCalledTimes(2);
  });

  it('finds a schema registered after the not-found TTL passed', async () => {
    let now = 0;
    let registered = false;
    const { registry } = fakeRegistry((id) =>
      registered ? Promise.resolve(definitionOf(id)) : Promise.reject(notFound(id)),
    );
    const cached = new CachedSchemaRegistry(registry, { notFoundTtlMs: 1_000, now: () => now });

    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);
    registered = true;
    now = 1_000;

    await expect(cached.getSchemaDefinition('x')).resolves.toBe(definitionOf('x'));
  });

  it('does not remember "not found" when the TTL is 0', async () => {
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.reject(notFound(id)));
    const cached = new CachedSchemaRegistry(registry, { notFoundTtlMs: 0 });

    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);
    await expect(cached.getSchemaDefinition('x')).rejects.toBeInstanceOf(SchemaNotFoundError);

    expect(getSchemaDefinition).toHaveBeenCalledTimes(2);
  });

  it('does not cache an unavailable registry: the next call goes through', async () => {
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));
    getSchemaDefinition.mockRejectedValueOnce(unavailable('a'));
    const cached = new CachedSchemaRegistry(registry);

    await expect(cached.getSchemaDefinition('a')).rejects.toBeInstanceOf(SchemaRegistryUnavailableError);
    const definition = await cached.getSchemaDefinition('a');

    expect(definition).toBe(definitionOf('a'));
    expect(getSchemaDefinition).toHaveBeenCalledTimes(2);
  });

  it('does not cache other errors either', async () => {
    const { registry, getSchemaDefinition } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));
    getSchemaDefinition.mockRejectedValueOnce(new TypeError('boom'));
    const cached = new CachedSchemaRegistry(registry);

    await expect(cached.getSchemaDefinition('a')).rejects.toThrow('boom');
    await expect(cached.getSchemaDefinition('a')).resolves.toBe(definitionOf('a'));
  });

  it('rejects every concurrent waiter with the same typed error when the in-flight fetch fails', async () => {
    const pending = deferred<string>();
    const { registry, getSchemaDefinition } = fakeRegistry(() => pending.promise);
    const cached = new CachedSchemaRegistry(registry);
    const cause = notFound('x');

    const lookups = Array.from({ length: 50 }, () => cached.getSchemaDefinition('x'));
    pending.reject(cause);
    const outcomes = await Promise.allSettled(lookups);

    expect(getSchemaDefinition).toHaveBeenCalledTimes(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
      expect(reason).toBe(cause);
      expect(reason).toBeInstanceOf(SchemaNotFoundError);
      expect((reason as SchemaNotFoundError).reason).toBe(SerdeErrorReason.SCHEMA_NOT_FOUND);
    }
  });

  it('rejects every concurrent waiter with SchemaRegistryUnavailableError when the in-flight fetch is throttled', async () => {
    const pending = deferred<string>();
    const { registry, getSchemaDefinition } = fakeRegistry(() => pending.promise);
    const cached = new CachedSchemaRegistry(registry);

    const lookups = Array.from({ length: 50 }, () => cached.getSchemaDefinition('a'));
    pending.reject(unavailable('a'));
    const outcomes = await Promise.allSettled(lookups);

    expect(getSchemaDefinition).toHaveBeenCalledTimes(1);
    for (const outcome of outcomes) {
      const reason: unknown = outcome.status === 'rejected' ? outcome.reason : undefined;
      expect(reason).toBeInstanceOf(SchemaRegistryUnavailableError);
      expect((reason as SchemaRegistryUnavailableError).schemaVersionId).toBe('a');
    }
  });

  it('still answers a lookup whose entry was evicted while in flight', async () => {
    const answers = new Map([
      ['a', deferred<string>()],
      ['b', deferred<string>()],
    ]);
    const { registry } = fakeRegistry((id) => answers.get(id)?.promise ?? Promise.reject(new Error(id)));
    const cached = new CachedSchemaRegistry(registry, { max: 1 });

    const a = cached.getSchemaDefinition('a');
    const b = cached.getSchemaDefinition('b');
    answers.get('a')?.resolve(definitionOf('a'));
    answers.get('b')?.resolve(definitionOf('b'));

    await expect(a).resolves.toBe(definitionOf('a'));
    await expect(b).resolves.toBe(definitionOf('b'));
  });

  it('throws when max is not a positive integer', () => {
    const { registry } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));

    expect(() => new CachedSchemaRegistry(registry, { max: 0 })).toThrow(/max must be a positive integer, got 0/);
  });

  it('throws when notFoundTtlMs is negative', () => {
    const { registry } = fakeRegistry((id) => Promise.resolve(definitionOf(id)));

    expect(() => new CachedSchemaRegistry(registry, { notFoundTtlMs: -1 })).toThrow(/notFoundTtlMs must be .*got -1/);
  });
});
