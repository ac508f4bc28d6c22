import { canonicalKey } from './canonical-key.js';
import { ChangeOperation, PositionKind } from './change-event.js';
import type { ChangeEvent } from './change-event.js';
import { ChangeEventError, ChangeEventErrorReason } from './errors.js';
import { mysqlBinlogPosition, postgresLsn } from './positions.js';
import { assertKeyColumns, exactInteger, fieldOf, isFields, joinPath, kindOf } from './record-fields.js';
import type { Fields } from './record-fields.js';

export interface DebeziumOptions {
  /** The row's primary key columns, in the order the canonical key lists them. */
  readonly keyColumns: readonly string[];
}

/**
 * Turns a Debezium Postgres or MySQL record value into a change event.
 *
 * Accepted shapes, as the value reaches a processor:
 * - JsonConverter with `schemas.enable=true`: `{ schema, payload: { before, after, source, op, ts_ms } }`;
 * - JsonConverter with `schemas.enable=false`, or Avro-decoded: the payload itself;
 * - flattened by the ExtractNewRecordState SMT: the row plus `__`-prefixed
 *   metadata (see `fromFlattened` for what it needs).
 *
 * Returns `undefined` for records that change no row: the tombstone
 * (`null`) Debezium writes after each delete for log compaction, `op: 'm'`
 * logical decoding messages, heartbeats, transaction BEGIN/END records and
 * schema change records. Throws a `ChangeEventError` naming the field for
 * anything else it cannot use, including truncates.
 *
 * Reads only the record value. A delete whose `before` is null (Postgres
 * `REPLICA IDENTITY NOTHING`) cannot be keyed from it and is refused.
 */
export function fromDebezium(value: unknown, options: DebeziumOptions): ChangeEvent | undefined {
  assertKeyColumns(options.keyColumns);
  if (value === null || value === undefined) return undefined;
  if (!isFields(value)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `The record value must be an object, got ${kindOf(value)}`);
  }
  const wrapped = isSchemaAndPayload(value);
  const payload = wrapped ? fieldOf(value, 'payload') : value;
  const path = wrapped ? 'payload' : '';
  // JsonConverters before KAFKA-3832 wrote a tombstone as { schema: null, payload: null }.
  if (payload === null || payload === undefined) return undefined;
  if (!isFields(payload)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `payload must be an object, got ${kindOf(payload)}`, { field: 'payload' });
  }
  // Flattened first: an envelope never has `__op`, but a flattened row may have a column named `op`.
  if (Object.hasOwn(payload, '__op') || Object.hasOwn(payload, '__deleted')) return fromFlattened(payload, path, options.keyColumns);
  if (Object.hasOwn(payload, 'op')) return fromEnvelope(payload, path, options.keyColumns);
  if (isNonRowRecord(payload)) return undefined;
  throw new ChangeEventError(
    ChangeEventErrorReason.NOT_A_CHANGE_EVENT,
    `${joinPath(path, 'op')} is missing: the value is not a Debezium change event, a flattened one (with __op), a heartbeat, a transaction or a schema change record`,
    { field: joinPath(path, 'op') },
  );
}

/** Debezium operation codes that carry a row image to project. */
const ROW_IMAGE = { c: 'after', u: 'after', r: 'after', d: 'before' } as const;

function fromEnvelope(envelope: Fields, path: string, keyColumns: readonly string[]): ChangeEvent | undefined {
  const opPath = joinPath(path, 'op');
  const op = fieldOf(envelope, 'op');
  if (typeof op !== 'string') {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `${opPath} must be a string, got ${kindOf(op)}`, { field: opPath });
  }
  // A logical decoding message (pg_logical_emit_message): no row changes.
  if (op === 'm') return undefined;

  const sourcePath = joinPath(path, 'source');
  const source = fieldOf(envelope, 'source');
  if (!isFields(source)) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `${sourcePath} must be an object, got ${kindOf(source)}`, {
      field: sourcePath,
    });
  }
  const lookup: Lookup = (name) => ({ value: fieldOf(source, name), path: joinPath(sourcePath, name) });
  const table = tableOf(lookup);
  if (table === '') {
    const field = joinPath(sourcePath, 'table');
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `${field} must be a table name, got ${kindOf(lookup('table').value)}`, {
      field,
    });
  }
  if (op === 't') throw truncate(opPath, table);
  if (!Object.hasOwn(ROW_IMAGE, op)) throw unknownOperation(opPath, op);
  const imageName = ROW_IMAGE[op as keyof typeof ROW_IMAGE];

  const { position, positionKind } = positionOf(lookup, sourcePath);
  const imagePath = joinPath(path, imageName);
  const image = fieldOf(envelope, imageName);
  if (!isFields(image)) {
    if (op === 'd') {
      throw new ChangeEventError(
        ChangeEventErrorReason.MISSING_KEY_COLUMN,
        `${imagePath} is ${kindOf(image)}: the delete carries no key columns (a Postgres table with REPLICA IDENTITY NOTHING); set REPLICA IDENTITY DEFAULT or FULL`,
        { field: imagePath },
      );
    }
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `${imagePath} must be an object for op '${op}', got ${kindOf(image)}`, {
      field: imagePath,
    });
  }
  return changeEvent({
    op: op === 'd' ? ChangeOperation.DELETE : ChangeOperation.UPSERT,
    key: canonicalKey(image, keyColumns, imagePath),
    row: image,
    position,
    positionKind,
    sourceOperation: op,
    table,
    committedAt: epochMillis(lookup('ts_ms')),
  });
}

/**
 * A record flattened by ExtractNewRecordState: the row with metadata added
 * under the default `__` prefix. It is accepted when it says what happened
 * and where:
 * - `add.fields` includes `op`, and deletes are kept as rows
 *   (`delete.tombstone.handling.mode=rewrite` or `rewrite-with-tombstone`,
 *   formerly `delete.handling.mode=rewrite`), which adds `__deleted`. With
 *   the `tombstone` or `drop` modes a delete reaches us as a bare `null`
 *   (skipped as a tombstone) or not at all: the projection would never
 *   see it. Truncates are always dropped by the SMT.
 * - `add.fields` includes the position: `lsn` (Postgres), or `file,pos,row`
 *   (MySQL), optionally `connector`, `table` and `schema` or `db`, and
 *   `source.ts_ms` for `committedAt` (`__ts_ms` is when Debezium processed
 *   the change, not when it was committed, and is not used).
 * A custom `add.fields.prefix` is not recognised.
 */
function fromFlattened(flat: Fields, path: string, keyColumns: readonly string[]): ChangeEvent | undefined {
  const lookup: Lookup = (name) => {
    for (const candidate of [`${PREFIX}${name}`, `${PREFIX}source_${name}`]) {
      if (Object.hasOwn(flat, candidate)) return { value: flat[candidate], path: joinPath(path, candidate) };
    }
    return { value: undefined, path: joinPath(path, `${PREFIX}${name}`) };
  };
  const opPath = joinPath(path, '__op');
  const op = fieldOf(flat, '__op');
  if (typeof op !== 'string') {
    throw new ChangeEventError(
      ChangeEventErrorReason.NOT_A_CHANGE_EVENT,
      `${opPath} must be a string, got ${kindOf(op)}: a flattened Debezium event needs add.fields to include op`,
      { field: opPath },
    );
  }
  const deleted = fieldOf(flat, '__deleted');
  const isDelete = op === 'd' || deleted === 'true' || deleted === true;
  if (op === 'm') return undefined;
  const table = tableOf(lookup);
  if (op === 't') throw truncate(opPath, table === '' ? 'the table' : table);
  if (!isDelete && !Object.hasOwn(ROW_IMAGE, op)) throw unknownOperation(opPath, op);

  const { position, positionKind } = positionOf(lookup, path === '' ? 'the flattened value' : path);
  const row = Object.fromEntries(Object.entries(flat).filter(([name]) => !isAddedField(name)));
  return changeEvent({
    op: isDelete ? ChangeOperation.DELETE : ChangeOperation.UPSERT,
    key: canonicalKey(row, keyColumns, path),
    row,
    position,
    positionKind,
    sourceOperation: isDelete ? 'd' : op,
    table,
    committedAt: epochMillis({ value: fieldOf(flat, '__source_ts_ms'), path: joinPath(path, '__source_ts_ms') }),
  });
}

const PREFIX = '__';

/** Envelope, source and transaction fields that ExtractNewRecordState can add to the row. */
const METADATA_FIELDS: ReadonlySet<string> = new Set([
  'op', 'ts_ms', 'ts_us', 'ts_ns', 'deleted', 'version', 'connector', 'name', 'snapshot', 'db', 'sequence', 'schema',
  'table', 'txId', 'lsn', 'xmin', 'server_id', 'gtid', 'file', 'pos', 'row', 'thread', 'query', 'id', 'total_order',
  'data_collection_order',
]);

function isAddedField(name: string): boolean {
  if (!name.startsWith(PREFIX)) return false;
  const bare = name.slice(PREFIX.length).replace(/^(source|transaction)_/, '');
  return METADATA_FIELDS.has(bare);
}

/** Reads a source field by its Debezium name, saying where it was looked for. */
type Lookup = (name: string) => { readonly value: unknown; readonly path: string };

function positionOf(lookup: Lookup, where: string): Pick<ChangeEvent, 'position' | 'positionKind'> {
  const connector = lookup('connector');
  const kind =
    connector.value === 'postgresql' ? PositionKind.POSTGRES_LSN
    : connector.value === 'mysql' || connector.value === 'mariadb' ? PositionKind.MYSQL_BINLOG
    : connector.value !== undefined && connector.value !== null ? undefined
    : isPresent(lookup('lsn').value) ? PositionKind.POSTGRES_LSN
    : isPresent(lookup('file').value) ? PositionKind.MYSQL_BINLOG
    : null;
  if (kind === undefined) {
    throw new ChangeEventError(
      ChangeEventErrorReason.UNSUPPORTED_SOURCE,
      `${connector.path} is ${typeof connector.value === 'string' ? `'${connector.value}'` : kindOf(connector.value)}: only postgresql, mysql and mariadb positions are understood`,
      { field: connector.path },
    );
  }
  if (kind === null) {
    throw new ChangeEventError(
      ChangeEventErrorReason.MISSING_POSITION,
      `${where} has no position: neither ${lookup('lsn').path} (Postgres) nor ${lookup('file').path}, pos and row (MySQL)`,
      { field: lookup('lsn').path },
    );
  }
  if (kind === PositionKind.POSTGRES_LSN) {
    const lsn = lookup('lsn');
    return { position: postgresLsn(lsn.value, lsn.path), positionKind: kind };
  }
  const [file, pos, row] = [lookup('file'), lookup('pos'), lookup('row')];
  return {
    position: mysqlBinlogPosition({ file: file.value, pos: pos.value, row: row.value }, { file: file.path, pos: pos.path, row: row.path }),
    positionKind: kind,
  };
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** `schema.table` for Postgres, `db.table` for MySQL (whose source has no schema); '' when the table is unknown. */
function tableOf(lookup: Lookup): string {
  const table = lookup('table').value;
  if (typeof table !== 'string' || table === '') return '';
  const schema = lookup('schema').value;
  const namespace = typeof schema === 'string' && schema !== '' ? schema : lookup('db').value;
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}.${table}` : table;
}

/**
 * Epoch millis from `source.ts_ms`. Debezium writes 0 where it knows no
 * time (snapshot events of older MySQL connectors), which is not reported.
 */
function epochMillis(field: { readonly value: unknown; readonly path: string }): number | undefined {
  const { value, path } = field;
  if (value === undefined || value === null) return undefined;
  const integer = value instanceof Date ? undefined : exactInteger(value);
  const millis = value instanceof Date ? value.getTime() : integer === undefined ? Number.NaN : Number(integer);
  if (!Number.isSafeInteger(millis) || millis < 0 || millis > MAX_EPOCH_MILLIS) {
    throw new ChangeEventError(ChangeEventErrorReason.NOT_A_CHANGE_EVENT, `${path} must be epoch millis, got ${kindOf(value)}`, { field: path });
  }
  return millis === 0 ? undefined : millis;
}

/** The largest time a JavaScript Date can hold. */
const MAX_EPOCH_MILLIS = 8.64e15;

function truncate(opPath: string, table: string): ChangeEventError {
  return new ChangeEventError(
    ChangeEventErrorReason.UNSUPPORTED_OPERATION,
    `${opPath} is 't' (truncate): a truncate empties ${table} at once and cannot be applied row by row; rebuild the projection from a fresh snapshot`,
    { field: opPath },
  );
}

function unknownOperation(opPath: string, op: string): ChangeEventError {
  return new ChangeEventError(
    ChangeEventErrorReason.UNSUPPORTED_OPERATION,
    `${opPath} is '${op}', not a Debezium operation (c, u, d, r, t or m)`,
    { field: opPath },
  );
}

/** `{ schema, payload }` from JsonConverter with `schemas.enable=true`, and nothing else. */
function isSchemaAndPayload(value: Fields): boolean {
  const keys = Object.keys(value);
  return keys.length === 2 && Object.hasOwn(value, 'schema') && Object.hasOwn(value, 'payload');
}

/** Heartbeats (`{ ts_ms }`), transaction BEGIN/END records and MySQL schema change records. */
function isNonRowRecord(value: Fields): boolean {
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'ts_ms') return true;
  const status = fieldOf(value, 'status');
  if ((status === 'BEGIN' || status === 'END') && Object.hasOwn(value, 'id')) return true;
  return Object.hasOwn(value, 'ddl') && Object.hasOwn(value, 'tableChanges');
}

/**
 * What Debezium's Postgres connector puts in place of a TOASTed column an
 * UPDATE did not touch (`unavailable.value.placeholder`, default). The row
 * image must not overwrite the real value with it.
 */
export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

function changeEvent(fields: Omit<ChangeEvent, 'committedAt'> & { readonly committedAt: number | undefined }): ChangeEvent {
  const { committedAt, ...event } = fields;
  const unchanged =
    event.op === ChangeOperation.UPSERT && event.row !== null
      ? Object.entries(event.row).filter(([, value]) => value === UNAVAILABLE_VALUE_PLACEHOLDER || (Buffer.isBuffer(value) && value.toString() === UNAVAILABLE_VALUE_PLACEHOLDER)).map(([column]) => column)
      : [];
  const row = unchanged.length === 0 || event.row === null ? event.row : Object.fromEntries(Object.entries(event.row).filter(([column]) => !unchanged.includes(column)));
  const withUnchanged = unchanged.length === 0 ? event : { ...event, row, unchangedColumns: unchanged };
  return committedAt === undefined ? withUnchanged : { ...withUnchanged, committedAt };
}
