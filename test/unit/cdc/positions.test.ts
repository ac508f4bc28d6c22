import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeEventErrorReason } from '../../../functions/core/cdc/errors.js';
import {
  BinlogLayout,
  MAX_BINLOG_FILE_SEQUENCE,
  MAX_BINLOG_POS,
  MAX_BINLOG_ROW,
  MAX_POSTGRES_LSN,
  binlogFileSequence,
  decodeMysqlBinlogPosition,
  encodeMysqlBinlogPosition,
  mysqlBinlogPosition,
  postgresLsn,
} from '../../../functions/core/cdc/positions.js';
import type { BinlogCoordinates } from '../../../functions/core/cdc/positions.js';
import { thrown } from './fixtures.js';

const PATHS = { file: 'source.file', pos: 'source.pos', row: 'source.row' } as const;

const coordinates = fc.record({
  fileSequence: fc.bigInt({ min: 0n, max: MAX_BINLOG_FILE_SEQUENCE }),
  pos: fc.bigInt({ min: 0n, max: MAX_BINLOG_POS }),
  row: fc.bigInt({ min: 0n, max: MAX_BINLOG_ROW }),
});

function compareTuples(a: BinlogCoordinates, b: BinlogCoordinates): number {
  for (const part of ['fileSequence', 'pos', 'row'] as const) {
    if (a[part] !== b[part]) return a[part] < b[part] ? -1 : 1;
  }
  return 0;
}

function compare(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The forms an LSN arrives in: JSON number (when exact), Avro bigint, decimal text, Postgres `X/Y` text. */
function lsnForms(lsn: bigint): unknown[] {
  const text = `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
  const forms: unknown[] = [lsn, lsn.toString(), text];
  if (lsn <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(Number(lsn));
  return forms;
}

describe('postgresLsn', () => {
  it('orders positions exactly like the LSNs, whatever form each arrives in', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_POSTGRES_LSN }), fc.bigInt({ min: 0n, max: MAX_POSTGRES_LSN }), fc.nat(), fc.nat(), (a, b, i, j) => {
        const formsA = lsnForms(a);
        const formsB = lsnForms(b);
        const positionA = postgresLsn(formsA[i % formsA.length], 'source.lsn');
        const positionB = postgresLsn(formsB[j % formsB.length], 'source.lsn');
        expect(positionA).toBe(a);
        expect(compare(positionA, positionB)).toBe(compare(a, b));
      }),
    );
  });

  it('reads the text form Postgres prints', () => {
    expect(postgresLsn('16/B374D848', 'source.lsn')).toBe(0x16_b374d848n);
    expect(postgresLsn('0/16E9058', 'source.lsn')).toBe(24_023_128n);
  });

  it('throws MISSING_POSITION naming the field when the LSN is null', () => {
    const error = thrown(() => postgresLsn(null, 'payload.source.lsn'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_POSITION, field: 'payload.source.lsn' });
    expect((error as Error).message).toMatch(/^payload\.source\.lsn is null/);
  });

  it.each([[-1], [2n ** 64n], ['12abc'], [1.5], [2 ** 60], [true]])('throws INVALID_POSITION for %o', (value) => {
    const error = thrown(() => postgresLsn(value, 'source.lsn'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.INVALID_POSITION, field: 'source.lsn' });
  });
});

describe('MySQL binlog positions', () => {
  it('order exactly like (file sequence, pos, row) tuples', () => {
    fc.assert(
      fc.property(coordinates, coordinates, (a, b) => {
        expect(compare(encodeMysqlBinlogPosition(a), encodeMysqlBinlogPosition(b))).toBe(compareTuples(a, b));
      }),
    );
  });

  it('order like the tuples when read from Debezium file names, past six digits too', () => {
    const fileName = (sequence: bigint): string => `mysql-bin.${sequence.toString().padStart(6, '0')}`;
    fc.assert(
      fc.property(coordinates, coordinates, (a, b) => {
        const read = (c: BinlogCoordinates): bigint =>
          mysqlBinlogPosition({ file: fileName(c.fileSequence), pos: Number(c.pos), row: Number(c.row) }, PATHS);
        expect(compare(read(a), read(b))).toBe(compareTuples(a, b));
      }),
    );
  });

  it('decode back to their coordinates', () => {
    fc.assert(
      fc.property(coordinates, (c) => {
        expect(decodeMysqlBinlogPosition(encodeMysqlBinlogPosition(c))).toEqual(c);
      }),
    );
  });

  it('use the documented layout', () => {
    expect(BinlogLayout.FILE_SEQUENCE_BITS + BinlogLayout.POS_BITS + BinlogLayout.ROW_BITS).toBe(95);
    expect(encodeMysqlBinlogPosition({ fileSequence: 3n, pos: 48_213n, row: 2n })).toBe((3n << 64n) | (48_213n << 32n) | 2n);
    expect(encodeMysqlBinlogPosition({ fileSequence: MAX_BINLOG_FILE_SEQUENCE, pos: MAX_BINLOG_POS, row: MAX_BINLOG_ROW })).toBe(2n ** 95n - 1n);
  });

  it('read the sequence number of binlog file names', () => {
    expect(binlogFileSequence('mysql-bin.000003')).toBe(3n);
    expect(binlogFileSequence('mysql-bin-changelog.050156')).toBe(50_156n);
    expect(binlogFileSequence('binlog.1000000')).toBe(1_000_000n);
    expect(binlogFileSequence('mysql-bin')).toBeUndefined();
    expect(binlogFileSequence('.000003')).toBeUndefined();
  });

  it.each([
    [{ file: 'mysql-bin.2147483648', pos: 4, row: 0 }, 'source.file', /above the largest binlog file number/],
    [{ file: 'mysql-bin', pos: 4, row: 0 }, 'source.file', /numeric suffix like 'mysql-bin\.000003'/],
    [{ file: 'mysql-bin.000003', pos: 2 ** 32, row: 0 }, 'source.pos', /outside 0 to 2\^32-1/],
    [{ file: 'mysql-bin.000003', pos: -1, row: 0 }, 'source.pos', /outside 0 to 2\^32-1/],
    [{ file: 'mysql-bin.000003', pos: 4, row: 2 ** 32 }, 'source.row', /outside 0 to 2\^32-1/],
    [{ file: 'mysql-bin.000003', pos: 4.5, row: 0 }, 'source.pos', /must be an integer/],
  ])('reject %o (INVALID_POSITION on %s)', (parts, field, message) => {
    const error = thrown(() => mysqlBinlogPosition(parts, PATHS));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.INVALID_POSITION, field });
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [{ file: null, pos: 4, row: 0 }, 'source.file'],
    [{ file: 'mysql-bin.000003', pos: undefined, row: 0 }, 'source.pos'],
    [{ file: 'mysql-bin.000003', pos: 4, row: null }, 'source.row'],
  ])('reject %o (MISSING_POSITION on %s)', (parts, field) => {
    expect(thrown(() => mysqlBinlogPosition(parts, PATHS))).toMatchObject({ reason: ChangeEventErrorReason.MISSING_POSITION, field });
  });

  it('refuses a coordinate outside the layout as an invalid position', () => {
    expect(() => encodeMysqlBinlogPosition({ fileSequence: 2n ** 31n, pos: 0n, row: 0n })).toThrow(expect.objectContaining({ reason: 'INVALID_POSITION' }));
    expect(() => encodeMysqlBinlogPosition({ fileSequence: 0n, pos: 0n, row: -1n })).toThrow(expect.objectContaining({ reason: 'INVALID_POSITION' }));
  });
});
