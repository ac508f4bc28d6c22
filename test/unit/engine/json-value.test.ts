import { describe, expect, it } from 'vitest';
import { toJson } from '../../../functions/core/engine/json-value.js';
import { ProcessingError } from '../../../functions/core/engine/errors.js';

describe('toJson', () => {
  it('keeps plain JSON values as they are', () => {
    // Prepare
    const value = { text: 'a', n: 1.5, yes: true, none: null, list: [1, 'b', [false]], nested: { deeper: { x: 0 } } };

    // Act
    const json = toJson(value);

    // Assess
    expect(json).toEqual(value);
  });

  it('turns a Date into its ISO string', () => {
    // Prepare / Act
    const json = toJson({ at: new Date(Date.UTC(2026, 0, 1, 12, 30, 0, 5)) });

    // Assess
    expect(json).toEqual({ at: '2026-01-01T12:30:00.005Z' });
  });

  it('turns bigints within ±(2^53 - 1) into numbers', () => {
    // Prepare
    const max = 2n ** 53n - 1n;

    // Act
    const json = toJson([0n, 42n, -42n, max, -max]);

    // Assess
    expect(json).toEqual([0, 42, -42, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
  });

  it('turns bigints from 2^53 on into exact decimal strings', () => {
    // Prepare
    const twoTo53 = 2n ** 53n;
    const large = 123_456_789_012_345_678_901_234_567_890n;

    // Act
    const json = toJson([twoTo53, -twoTo53, large]);

    // Assess
    expect(json).toEqual(['9007199254740992', '-9007199254740992', '123456789012345678901234567890']);
  });

  it('turns Buffers and Uint8Arrays into base64', () => {
    // Prepare / Act
    const json = toJson({ buffer: Buffer.from('hello'), bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) });

    // Assess
    expect(json).toEqual({ buffer: 'aGVsbG8=', bytes: '3q2+7w==' });
  });

  it('drops undefined fields at any depth and turns undefined array items into null', () => {
    // Prepare / Act
    const json = toJson({ a: 1, gone: undefined, inner: { gone: undefined, kept: 'x', list: [undefined, 2] } });

    // Assess
    expect(json).toEqual({ a: 1, inner: { kept: 'x', list: [null, 2] } });
    expect(Object.keys(json as object)).toEqual(['a', 'inner']);
  });

  it('turns -0 into 0', () => {
    // Prepare / Act
    const json = toJson({ zero: -0 });

    // Assess
    expect(Object.is((json as { zero: number }).zero, 0)).toBe(true);
  });

  it('rejects NaN and ±Infinity, naming the path', () => {
    // Prepare / Act / Assess
    expect(() => toJson({ totals: { revenue: Number.NaN } })).toThrow(new ProcessingError('$.totals.revenue is NaN, which state cannot hold'));
    expect(() => toJson({ list: [1, Number.POSITIVE_INFINITY] })).toThrow(new ProcessingError('$.list[1] is Infinity, which state cannot hold'));
    expect(() => toJson(Number.NEGATIVE_INFINITY)).toThrow(new ProcessingError('$ is -Infinity, which state cannot hold'));
  });

  it('rejects functions and symbols, naming the path', () => {
    // Prepare / Act / Assess
    expect(() => toJson({ items: [{ name: 'a' }, { callback: () => 1 }] })).toThrow(new ProcessingError('$.items[1].callback is a function, which state cannot hold'));
    expect(() => toJson({ tag: Symbol('x') })).toThrow(new ProcessingError('$.tag is a symbol, which state cannot hold'));
  });

  it('rejects a top-level undefined', () => {
    // Prepare / Act / Assess
    expect(() => toJson(undefined)).toThrow(ProcessingError);
  });

  it('names the path under a caller-given root', () => {
    // Prepare / Act / Assess
    expect(() => toJson({ x: Number.NaN }, 'acc')).toThrow(new ProcessingError('acc.x is NaN, which state cannot hold'));
  });
});
