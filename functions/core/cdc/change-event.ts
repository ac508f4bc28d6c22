/**
 * A row change from a CDC source, in the one shape idempotent projections
 * apply (ARCHITECTURE.md section 4, item 5): which row (`key`), what it
 * became (`row`), and where the change sits in the source's log
 * (`position`), so that a redelivered or late older change can be refused.
 */

export const ChangeOperation = { UPSERT: 'upsert', DELETE: 'delete' } as const;
export type ChangeOperation = (typeof ChangeOperation)[keyof typeof ChangeOperation];

/** What a `position` counts. Positions of different kinds never compare. */
export const PositionKind = {
  /** A PostgreSQL log sequence number: a byte offset into the write-ahead log. */
  POSTGRES_LSN: 'postgres-lsn',
  /** A MySQL binlog coordinate (file, position, row) packed into one integer; see positions.ts. */
  MYSQL_BINLOG: 'mysql-binlog',
  /** The record's Kafka offset, for sources whose records carry no log position (AWS DMS). */
  KAFKA_OFFSET: 'kafka-offset',
} as const;
export type PositionKind = (typeof PositionKind)[keyof typeof PositionKind];

export interface ChangeEvent {
  readonly op: ChangeOperation;
  /**
   * Canonical primary key of the row: a JSON array holding one string per
   * key column, in `keyColumns` order, e.g. `'["SKU-1","store-7"]'`. The
   * same row gets the same key from its before and after images and from
   * every wire format; see canonical-key.ts for the rule.
   */
  readonly key: string;
  /** The row after the change (upsert), or the before image if any (delete; may hold only key columns). */
  readonly row: Readonly<Record<string, unknown>> | null;
  /** Where the change sits in the source's log. Larger = later. Only comparable within one `positionKind` (and source). */
  readonly position: bigint;
  readonly positionKind: PositionKind;
  /** The operation as the source named it: `c`, `u`, `d` or `r` for Debezium; `load`, `insert`, `update` or `delete` for DMS. */
  readonly sourceOperation: string;
  /** `schema.table` (Postgres), `database.table` (MySQL), or the bare table name when the source gives no schema. */
  readonly table: string;
  /** Epoch millis of the source commit, when the source reports it. */
  readonly committedAt?: number;
  /**
   * Columns the source left out of `row` because they did not change and
   * it could not read them cheaply (Postgres TOAST values under the default
   * replica identity). A projection keeps their previous values.
   */
  readonly unchangedColumns?: readonly string[];
}
