import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalKey, canonicalKeyValue } from '../../../functions/core/cdc/canonical-key.js';
import { ChangeEventError, ChangeEventErrorReason } from '../../../functions/core/cdc/errors.js';
import { thrown } from './fixtures.js';

/** How an Avro `decimal` with this scale decodes: an exact string that keeps the scale. */
function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return unscaled < 0n ? `-${text}` : text;
}

describe('canonicalKey', () => {
  it('lists the key columns in keyColumns order, whatever the order of the row', () => {
    // Prepare
    const row = { quantity: 3, store_id: 'store-7', sku: 'SKU-1' };

    // Act
    const key = canonicalKey(row, ['sku', 'store_id'], 'after');

    // Assess
    expect(key).toBe('["SKU-1","store-7"]');
    expect(canonicalKey({ sku: 'SKU-1', store_id: 'store-7' }, ['sku', 'store_id'], 'after')).toBe(key);
  });

  it.each([
    [42, '42'],
    [42n, '42'],
    ['42', '42'],
    ['42.000', '42'],
    [-0, '0'],
    ['-0.00', '0'],
    [12.5, '12.5'],
    ['12.50', '12.5'],
    [1e-7, '0.0000001'],
    ['007', '007'],
    ['+5', '+5'],
    ['1e3', '1e3'],
    ['SKU-1', 'SKU-1'],
    [true, 'true'],
    [new Date(1_714_979_289_123), '1714979289123'],
    [Buffer.from([0xd3, 0x5d, 0x76]), '0112'],
    [new Uint8Array([0xfb, 0x4d, 0x76]), '+012'],
  ])('writes %o as %s', (value, expected) => {
    expect(canonicalKeyValue(value)).toBe(expected);
  });

  it.each([[null], [undefined], [{}], [[1]], [Number.NaN], [Number.POSITIVE_INFINITY], [new Date(Number.NaN)], [2 ** 53], [0.1 + 0.2]])(
    'has no canonical form for %o',
    (value) => {
      expect(canonicalKeyValue(value)).toBeUndefined();
    },
  );

  it('throws MISSING_KEY_COLUMN naming the field when a key column is absent', () => {
    const error = thrown(() => canonicalKey({ store_id: 'store-7' }, ['sku', 'store_id'], 'after'));

    expect(error).toBeInstanceOf(ChangeEventError);
    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'after.sku' });
    expect((error as Error).message).toMatch(/^after\.sku is missing/);
  });

  it('throws MISSING_KEY_COLUMN when a key column is null', () => {
    const error = thrown(() => canonicalKey({ sku: null, store_id: 'store-7' }, ['sku', 'store_id'], 'before'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'before.sku' });
    expect((error as Error).message).toMatch(/^before\.sku is null/);
  });

  it('throws INVALID_KEY_VALUE for a number JSON.parse has rounded, without printing it', () => {
    const error = thrown(() => canonicalKey(JSON.parse('{"id": 9007199254740993}') as Record<string, unknown>, ['id'], 'data'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.INVALID_KEY_VALUE, field: 'data.id' });
    expect((error as Error).message).toMatch(/data\.id is a number beyond 2\^53/);
    expect((error as Error).message).not.toMatch(/9007199254740992/);
  });

  it('throws INVALID_KEY_VALUE for an object key', () => {
    const error = thrown(() => canonicalKey({ id: { nested: 1 } }, ['id'], 'after'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.INVALID_KEY_VALUE, field: 'after.id' });
    expect((error as Error).message).toBe('after.id is an object, which cannot be a key value');
  });

  it('does not let a prototype name pass for a key column', () => {
    const error = thrown(() => canonicalKey({ id: 1 }, ['constructor'], 'after'));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'after.constructor' });
  });
});

describe('canonical keys: properties', () => {
  it('are the same for an integer as a number, a bigint and a numeric string', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.string({ maxLength: 8 }), (id, store) => {
        const keys = [id, BigInt(id), String(id)].map((value) => canonicalKey({ id: value, store }, ['id', 'store'], 'after'));
        expect(new Set(keys).size).toBe(1);
      }),
    );
  });

  it('are the same for a bigint and its decimal text, beyond 2^53 too', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (id) => {
        expect(canonicalKeyValue(id)).toBe(canonicalKeyValue(id.toString()));
      }),
    );
  });

  it('are the same for a decimal as a JSON number and as an exact string with any scale', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 14n) + 1n, max: 10n ** 14n - 1n }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 4 }),
        (unscaled, scale, extraZeros) => {
          // Prepare: the text a producer writes, with at most 14 significant digits.
          const text = decimalText(unscaled, scale);
          const padded = decimalText(unscaled * 10n ** BigInt(extraZeros), scale + extraZeros);

          // Act
          const fromJson = canonicalKeyValue(JSON.parse(text) as number);

          // Assess
          expect(fromJson).toBeDefined();
          expect(fromJson).toBe(canonicalKeyValue(text));
          expect(canonicalKeyValue(padded)).toBe(canonicalKeyValue(text));
        },
      ),
    );
  });

  it('tell different integers apart', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (a, b) => {
        expect(canonicalKeyValue(a) === canonicalKeyValue(b)).toBe(a === b);
      }),
    );
  });

  it('agree between bytes and their base64 text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        expect(canonicalKeyValue(bytes)).toBe(canonicalKeyValue(Buffer.from(bytes).toString('base64')));
      }),
    );
  });

  it('never collide because of the column boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 2, maxLength: 2 }), fc.array(fc.string(), { minLength: 2, maxLength: 2 }), (a, b) => {
        const keyOf = ([x, y]: string[]): string => canonicalKey({ x, y }, ['x', 'y'], 'after');
        const same = canonicalKeyValue(a[0]) === canonicalKeyValue(b[0]) && canonicalKeyValue(a[1]) === canonicalKeyValue(b[1]);
        expect(keyOf(a) === keyOf(b)).toBe(same);
      }),
    );
  });
});
