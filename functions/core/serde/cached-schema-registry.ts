import { LRUCache } from 'lru-cache';
import { SchemaNotFoundError, SchemaRegistryUnavailableError, SerdeArgumentError } from './errors.js';
import type { SchemaRegistry } from './schema-registry.js';

export interface CachedSchemaRegistryOptions {
  /**
   * Most schema definitions kept; the least recently used goes first. The same
   * bound applies separately to remembered "not found" answers.
   * @default 1000
   */
  readonly max?: number;
  /**
   * How long, in milliseconds, a "not found" answer is remembered before the
   * registry is asked again. 0 turns the negative cache off.
   * @default 60_000
   */
  readonly notFoundTtlMs?: number;
  /**
   * Clock for the not-found TTL, in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface NotFoundEntry {
  readonly error: SchemaNotFoundError;
  readonly expiresAt: number;
}

const DEFAULT_MAX = 1000;
const DEFAULT_NOT_FOUND_TTL_MS = 60_000;

/**
 * Keeps writer schemas in memory for the life of the container. A schema
 * version is immutable, so a found definition never expires; only the LRU
 * bound removes it.
 */
export class CachedSchemaRegistry implements SchemaRegistry {
  private readonly definitions: LRUCache<string, string>;
  private readonly notFound: LRUCache<string, NotFoundEntry>;
  private readonly notFoundTtlMs: number;
  private readonly now: () => number;

  public constructor(
    private readonly inner: SchemaRegistry,
    options: CachedSchemaRegistryOptions = {},
  ) {
    const max = options.max ?? DEFAULT_MAX;
    if (!Number.isInteger(max) || max < 1) {
      throw new SerdeArgumentError(`CachedSchemaRegistry: max must be a positive integer, got ${String(max)}`, 'max', max);
    }
    const notFoundTtlMs = options.notFoundTtlMs ?? DEFAULT_NOT_FOUND_TTL_MS;
    if (!Number.isFinite(notFoundTtlMs) || notFoundTtlMs < 0) {
      throw new SerdeArgumentError(
        `CachedSchemaRegistry: notFoundTtlMs must be a finite number >= 0, got ${String(notFoundTtlMs)}`,
        'notFoundTtlMs',
        notFoundTtlMs,
      );
    }
    this.notFoundTtlMs = notFoundTtlMs;
    this.now = options.now ?? Date.now;
    // Expiry is checked against our clock rather than by lru-cache's ttl,
    // which reads its own clock and caches the reading on a timer.
    this.notFound = new LRUCache({ max });
    this.definitions = new LRUCache({
      max,
      // A pending fetch occupies a slot, so a burst of distinct ids can evict
      // one still in flight. By default lru-cache then rejects its waiters
      // with an abort error that is neither of our typed errors; this lets the
      // call finish and hand its result (or its own error) to the waiters.
      ignoreFetchAbort: true,
      fetchMethod: (schemaVersionId) => this.load(schemaVersionId),
    });
  }

  public async getSchemaDefinition(schemaVersionId: string): Promise<string> {
    const remembered = this.notFound.get(schemaVersionId);
    if (remembered !== undefined) {
      if (this.now() < remembered.expiresAt) {
        throw remembered.error;
      }
      this.notFound.delete(schemaVersionId);
    }
    // fetch() makes concurrent misses of one id share a single call, and hands
    // a rejection to every waiter unchanged; the failed entry is dropped, so
    // only the negative cache below remembers failures.
    const definition = await this.definitions.fetch(schemaVersionId);
    if (definition === undefined) {
      // Only reachable if the inner registry breaks its contract and resolves
      // to nothing; not cached, so the next call asks again.
      throw new SchemaRegistryUnavailableError(
        `Schema registry returned no definition for schema version ${schemaVersionId}`,
        schemaVersionId,
      );
    }
    return definition;
  }

  private async load(schemaVersionId: string): Promise<string> {
    try {
      return await this.inner.getSchemaDefinition(schemaVersionId);
    } catch (error) {
      // Only "not found" is remembered: it says something about the id.
      // Unavailability says something about the moment, so the next call
      // must go through.
      if (error instanceof SchemaNotFoundError && this.notFoundTtlMs > 0) {
        this.notFound.set(schemaVersionId, { error, expiresAt: this.now() + this.notFoundTtlMs });
      }
      throw error;
    }
  }
}
