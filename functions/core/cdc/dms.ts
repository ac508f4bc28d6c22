import { canonicalKey } from './canonical-key.js';
import { ChangeOperation, PositionKind } from './change-event.js';
import type { ChangeEvent } from './change-event.js';
import { CdcOptionError, ChangeEventError, ChangeEventErrorReason } from './errors.js';
import { assertKeyColumns, fieldOf, isFields, kindOf } from './record-fields.js';
import type { Fields } from './record-fields.js';

export interface DmsOptions {
  /** The row's primary key columns, in the order the canonical key lists them. */
  readonly keyColumns: readonly string[];
  /** The Kafka offset of the record, which becomes its position (see `fromDms`). */
  readonly offset: number | bigint;
}

/** DMS data operations and what they do to the row. */
const DATA_OPERATIONS = {
  load: ChangeOperation.UPSERT,
  insert: ChangeOperation.UPSERT,
  update: ChangeOperation.UPSERT,
  delete: ChangeOperation.DELETE,
} as const;

/**
 * Turns an AWS DMS Kafka-target JSON record,
 * `{ data: {...row}, metadata: { timestamp, 'record-type', operation, 'partition-key-type', 'schema-name', 'table-name', ... } }`,
 * into a change event.
 *
 * - `record-type: 'data'` with operation `load` (full load), `insert` or
 *   `update` is an upsert of `data`; `delete` is a delete with `data` as the
 *   before image (from a Postgres source without REPLICA IDENTITY FULL only
 *   its key columns hold values).
 * - `record-type: 'control'` records (create-table, drop-table, column
 *   changes, ...) change no row and return `undefined`, except a truncate,
 *   which is refused as for Debezium: it cannot be applied row by row.
 * - `committedAt` is `metadata.commit-timestamp`, present when the endpoint
 *   sets IncludeTransactionDetails; `metadata.timestamp` is when DMS built
 *   the message, not a commit time, and is not used.
 *
 * Ordering: a DMS record carries no log position (`stream-position` is an
 * opaque, source-specific string, and only with IncludeTransactionDetails),
 * so the position is the record's Kafka offset, `kafka-offset`. That is
 * correct only when the DMS task partitions by primary key
 * (`partition-key-type: primary-key`, or a coarser key such as
 * `schema-table` that still sends every change of a row to the same
 * partition), so that every change to a row lands on one partition in
 * commit order, and full-load records of a table share the partitioning of
 * its CDC records. The projection relies on this: it compares offsets of one
 * key as if they were log positions, and offsets of two partitions mean
 * nothing to each other. Partitioning by a non-key attribute that an update
 * can change, or re-creating the topic (offsets restart), breaks it.
 *
 * An update that changes the primary key arrives as one `update` carrying
 * the new key only. When the task adds before images
 * (BeforeImageSettings) and `before-image` shows a different key, the
 * record is refused rather than leaving the old row behind; without before
 * images it cannot be detected.
 */
export function fromDms(value: unknown, options: DmsOptions): ChangeEvent | undefined {
  assertKeyColumns(options.keyColumns);
  const position = kafkaOffset(options.offset);
  if (!isFields(value)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `The record value must be a DMS record object, got ${kindOf(value)}`);
  }
  const metadata = fieldOf(value, 'metadata');
  if (!isFields(metadata)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `metadata must be an object, got ${kindOf(metadata)}`, {
      field: 'metadata',
    });
  }
  const recordType = requiredText(metadata, 'record-type');
  const operation = requiredText(metadata, 'operation');
  if (recordType === 'control') {
    if (/truncate/i.test(operation)) {
      throw new ChangeEventError(
        ChangeEventErrorReason.UNSUPPORTED_OPERATION,
        `metadata.operation is '${operation}': a truncate empties the table at once and cannot be applied row by row; rebuild the projection from a fresh full load`,
        { field: 'metadata.operation' },
      );
    }
    return undefined;
  }
  if (recordType !== 'data') {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `metadata.record-type is '${recordType}', expected 'data' or 'control'`, {
      field: 'metadata.record-type',
    });
  }
  if (!Object.hasOwn(DATA_OPERATIONS, operation)) {
    throw new ChangeEventError(
      ChangeEventErrorReason.UNSUPPORTED_OPERATION,
      `metadata.operation is '${operation}', not a DMS data operation (load, insert, update or delete)`,
      { field: 'metadata.operation' },
    );
  }
  const op = DATA_OPERATIONS[operation as keyof typeof DATA_OPERATIONS];
  const table = tableOf(metadata);
  const data = fieldOf(value, 'data');
  if (!isFields(data)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `data must be an object for a '${operation}' record, got ${kindOf(data)}`, {
      field: 'data',
    });
  }
  const key = canonicalKey(data, options.keyColumns, 'data');
  if (operation === 'update') assertKeyUnchanged(fieldOf(value, 'before-image'), options.keyColumns, key);
  const committedAt = commitTimestamp(fieldOf(metadata, 'commit-timestamp'));
  const event: ChangeEvent = { op, key, row: data, position, positionKind: PositionKind.KAFKA_OFFSET, sourceOperation: operation, table };
  return committedAt === undefined ? event : { ...event, committedAt };
}

function kafkaOffset(offset: number | bigint): bigint {
  if (typeof offset === 'bigint' && offset >= 0n) return offset;
  if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return BigInt(offset);
  throw new CdcOptionError(`options.offset must be a non-negative integer Kafka offset, got ${kindOf(offset)} ${String(offset)}`);
}

function requiredText(metadata: Fields, name: string): string {
  const value = fieldOf(metadata, name);
  if (typeof value !== 'string' || value === '') {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `metadata.${name} must be a non-empty string, got ${kindOf(value)}`, {
      field: `metadata.${name}`,
    });
  }
  return value;
}

/** `schema-name.table-name`; the schema may be empty (MySQL sources, some control records). */
function tableOf(metadata: Fields): string {
  const table = requiredText(metadata, 'table-name');
  const schema = fieldOf(metadata, 'schema-name');
  return typeof schema === 'string' && schema !== '' ? `${schema}.${table}` : table;
}

function assertKeyUnchanged(beforeImage: unknown, keyColumns: readonly string[], key: string): void {
  // Only a before image holding every key column tells the old key; a
  // partial one (or none: the default) cannot.
  if (!isFields(beforeImage)) return;
  if (!keyColumns.every((column) => fieldOf(beforeImage, column) !== undefined && fieldOf(beforeImage, column) !== null)) return;
  if (canonicalKey(beforeImage, keyColumns, 'before-image') === key) return;
  throw new ChangeEventError(
    ChangeEventErrorReason.UNSUPPORTED_OPERATION,
    'before-image holds another key than data: the update changes the primary key, which one change event cannot express (the old row would stay)',
    { field: 'before-image' },
  );
}

/** DMS writes ISO 8601 UTC with microseconds, e.g. `2024-07-29T00:58:17.974340Z`. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function commitTimestamp(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const millis = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis)) {
    throw new ChangeEventError(
      ChangeEventErrorReason.NOT_A_CHANGE_EVENT,
      `metadata.commit-timestamp must be an ISO 8601 time with a zone, got ${kindOf(value)}`,
      { field: 'metadata.commit-timestamp' },
    );
  }
  return millis;
}
