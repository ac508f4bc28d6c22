import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { DevstackError } from './errors.js';

/**
 * A database schema as a folder of migrations, one file per step:
 * `NNNN_what.sql`, applied in name order. The folder is the caller's: this
 * file knows how to apply one, not what any holds.
 */

/** Why the schema could not be brought up to date. */
export const MigrationErrorReason = {
  /** A file in the migrations folder does not follow `NNNN_name.sql`. */
  INVALID_FILE_NAME: 'INVALID_FILE_NAME',
  /** A migration already applied has been edited since: add a new file instead. */
  CHANGED_AFTER_APPLY: 'CHANGED_AFTER_APPLY',
  /** The migration's SQL failed; its transaction was rolled back. */
  FAILED: 'FAILED',
} as const;
export type MigrationErrorReason = (typeof MigrationErrorReason)[keyof typeof MigrationErrorReason];

/** A migration that could not be applied, named by file. */
export class MigrationError extends DevstackError {
  public override readonly name = 'MigrationError';
  public constructor(
    message: string,
    public readonly reason: MigrationErrorReason,
    /** The migration file, e.g. `0002_add_index.sql`. */
    public readonly migration: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MigrationResult {
  /** Applied by this call, in order. */
  readonly applied: readonly string[];
  /** Already recorded in `schema_migrations`, left alone. */
  readonly skipped: readonly string[];
}

const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;
// Any constant will do; it only has to be the same for every migrate() against the database.
const MIGRATION_LOCK = 7_311_001;

/**
 * Brings the database up to date: each migration file not yet recorded in
 * `schema_migrations` is applied in its own transaction, together with its
 * record, so a failure leaves neither half. Safe to call again, and from two
 * processes at once (they take turns on an advisory lock).
 */
export async function migrate(connectionString: string, directory: string): Promise<MigrationResult> {
  const files = await migrationFiles(directory);
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined); // the server going away surfaces as the failed query instead
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text        PRIMARY KEY,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const recorded = new Map(rows.map((row) => [row.version, row.checksum]));
    const applied: string[] = [];
    const skipped: string[] = [];
    for (const file of files) {
      const sql = await readFile(join(directory, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = recorded.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new MigrationError(`${file} was edited after it was applied; put the change in a new migration file`, MigrationErrorReason.CHANGED_AFTER_APPLY, file);
        }
        skipped.push(file);
        continue;
      }
      await applyOne(client, file, sql, checksum);
      applied.push(file);
    }
    return { applied, skipped };
  } finally {
    // Ending the session releases the advisory lock as well.
    await client.end().catch(() => undefined);
  }
}

async function applyOne(client: pg.Client, file: string, sql: string, checksum: string): Promise<void> {
  try {
    await client.query('BEGIN');
    // No parameters: the simple query protocol, which runs every statement in the file.
    await client.query(sql);
    await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [file, checksum]);
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new MigrationError(`${file} failed and was rolled back: ${detail}`, MigrationErrorReason.FAILED, file, { cause });
  }
}

async function migrationFiles(directory: string): Promise<string[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const invalid = files.find((name) => !FILE_NAME.test(name));
  if (invalid !== undefined) {
    throw new MigrationError(`${invalid} in ${directory} is not named NNNN_name.sql (lowercase), so its order is unclear`, MigrationErrorReason.INVALID_FILE_NAME, invalid);
  }
  return files;
}
