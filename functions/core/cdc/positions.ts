import { ChangeEventError, ChangeEventErrorReason } from './errors.js';
import { exactInteger, isRoundedInteger, kindOf } from './record-fields.js';

/**
 * Source log positions as one bigint each, so that a projection can refuse
 * a change whose position is not larger than the one it already applied.
 */

/** A PostgreSQL LSN is an unsigned 64-bit WAL byte offset. */
export const MAX_POSTGRES_LSN = (1n << 64n) - 1n;

/**
 * The LSN of a Debezium Postgres event (`source.lsn`) as a bigint. Accepts
 * a number (exact only up to 2^53, which is 8 PiB of WAL: every real LSN),
 * a bigint (Avro long beyond 2^53), a decimal string, or PostgreSQL's own
 * `XXXXXXXX/XXXXXXXX` text form. Two changes to the same row are ordered
 * by their LSNs: the second one waits on the first one's row lock, so it is
 * written to the WAL after the first one commits.
 */
export function postgresLsn(value: unknown, field: string): bigint {
  if (value === undefined || value === null) {
    throw new ChangeEventError(ChangeEventErrorReason.MISSING_POSITION, `${field} is ${kindOf(value)}: a Postgres change needs its LSN to be ordered`, {
      field,
    });
  }
  const lsn = typeof value === 'string' && value.includes('/') ? textLsn(value) : exactInteger(value);
  if (lsn === undefined) {
    const why = isRoundedInteger(value) ? 'a number beyond 2^53, which JSON.parse has rounded' : kindOf(value);
    throw new ChangeEventError(
      ChangeEventErrorReason.INVALID_POSITION,
      `${field} must be an LSN (an integer, or text like '16/B374D848'), got ${why}`,
      { field },
    );
  }
  if (lsn < 0n || lsn > MAX_POSTGRES_LSN) {
    throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `${field} is ${lsn}, outside the LSN range 0 to 2^64-1`, { field });
  }
  return lsn;
}

function textLsn(text: string): bigint | undefined {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/**
 * A MySQL binlog coordinate packed into one unsigned integer that orders
 * exactly like the tuple (file sequence number, pos, row):
 *
 * ```
 *   bits 94..64  file sequence number  31 bits  0 .. 2^31-1   ("mysql-bin.000003" -> 3)
 *   bits 63..32  pos                   32 bits  0 .. 2^32-1   byte offset of the rows event in the file
 *   bits 31..0   row                   32 bits  0 .. 2^32-1   row index within that event
 * ```
 *
 * The bounds are the formats' own: MySQL numbers binlog files up to
 * 2^31-1, an event header stores its position in 4 bytes, and Debezium's
 * `row` is an int32. So the packed value is below 2^95: at most 29 decimal
 * digits, within DynamoDB's 38-digit numbers. Positions compare only
 * within one server's binlog (one `log-bin` basename); after a failover to
 * another server they restart, and a projection fed by it must be rebuilt.
 */
export const BinlogLayout = {
  FILE_SEQUENCE_BITS: 31,
  POS_BITS: 32,
  ROW_BITS: 32,
} as const;

export const MAX_BINLOG_FILE_SEQUENCE = (1n << BigInt(BinlogLayout.FILE_SEQUENCE_BITS)) - 1n;
export const MAX_BINLOG_POS = (1n << BigInt(BinlogLayout.POS_BITS)) - 1n;
export const MAX_BINLOG_ROW = (1n << BigInt(BinlogLayout.ROW_BITS)) - 1n;

const POS_SHIFT = BigInt(BinlogLayout.ROW_BITS);
const FILE_SHIFT = BigInt(BinlogLayout.ROW_BITS + BinlogLayout.POS_BITS);

export interface BinlogCoordinates {
  /** The numeric suffix of the binlog file name. */
  readonly fileSequence: bigint;
  readonly pos: bigint;
  readonly row: bigint;
}

/** Packs a coordinate (see `BinlogLayout`); a part outside its bounds is an INVALID_POSITION. */
export function encodeMysqlBinlogPosition(coordinates: BinlogCoordinates): bigint {
  const { fileSequence, pos, row } = coordinates;
  if (fileSequence < 0n || fileSequence > MAX_BINLOG_FILE_SEQUENCE) throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `binlog file sequence ${fileSequence} is outside 0 to 2^31-1`);
  if (pos < 0n || pos > MAX_BINLOG_POS) throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `binlog pos ${pos} is outside 0 to 2^32-1`);
  if (row < 0n || row > MAX_BINLOG_ROW) throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `binlog row ${row} is outside 0 to 2^32-1`);
  return (fileSequence << FILE_SHIFT) | (pos << POS_SHIFT) | row;
}

/** The coordinate a packed position was made from; for logs and tests. */
export function decodeMysqlBinlogPosition(position: bigint): BinlogCoordinates {
  return {
    fileSequence: position >> FILE_SHIFT,
    pos: (position >> POS_SHIFT) & MAX_BINLOG_POS,
    row: position & MAX_BINLOG_ROW,
  };
}

/**
 * The sequence number of a binlog file name: `mysql-bin.000003` is 3,
 * `mysql-bin-changelog.1000000` (RDS, past six digits) is 1000000. Compared
 * as numbers, never as text, because the suffix grows past six digits.
 */
export function binlogFileSequence(file: string): bigint | undefined {
  const match = /^.+\.(\d{1,12})$/.exec(file);
  return match === null ? undefined : BigInt(match[1] ?? '');
}

/** Where to find the three parts of a binlog coordinate, for error messages. */
export interface BinlogFieldPaths {
  readonly file: string;
  readonly pos: string;
  readonly row: string;
}

/** The packed position of a Debezium MySQL event from `source.file`, `source.pos` and `source.row`. */
export function mysqlBinlogPosition(parts: { file: unknown; pos: unknown; row: unknown }, paths: BinlogFieldPaths): bigint {
  const { file } = parts;
  if (file === undefined || file === null) {
    throw new ChangeEventError(
      ChangeEventErrorReason.MISSING_POSITION,
      `${paths.file} is ${kindOf(file)}: a MySQL change needs its binlog file and position to be ordered`,
      { field: paths.file },
    );
  }
  const fileSequence = typeof file === 'string' ? binlogFileSequence(file) : undefined;
  if (fileSequence === undefined) {
    throw new ChangeEventError(
      ChangeEventErrorReason.INVALID_POSITION,
      `${paths.file} must be a binlog file name with a numeric suffix like 'mysql-bin.000003', got ${typeof file === 'string' ? `'${file}'` : kindOf(file)}`,
      { field: paths.file },
    );
  }
  const pos = binlogPart(parts.pos, paths.pos, MAX_BINLOG_POS, '2^32-1');
  const row = binlogPart(parts.row, paths.row, MAX_BINLOG_ROW, '2^32-1');
  if (fileSequence > MAX_BINLOG_FILE_SEQUENCE) {
    throw new ChangeEventError(
      ChangeEventErrorReason.INVALID_POSITION,
      `${paths.file} has sequence number ${fileSequence}, above the largest binlog file number 2^31-1`,
      { field: paths.file },
    );
  }
  return encodeMysqlBinlogPosition({ fileSequence, pos, row });
}

function binlogPart(value: unknown, field: string, max: bigint, maxText: string): bigint {
  if (value === undefined || value === null) {
    throw new ChangeEventError(ChangeEventErrorReason.MISSING_POSITION, `${field} is ${kindOf(value)}: a MySQL change needs it to be ordered`, { field });
  }
  const integer = exactInteger(value);
  if (integer === undefined) {
    throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `${field} must be an integer, got ${kindOf(value)}`, { field });
  }
  if (integer < 0n || integer > max) {
    throw new ChangeEventError(ChangeEventErrorReason.INVALID_POSITION, `${field} is ${integer}, outside 0 to ${maxText}`, { field });
  }
  return integer;
}
