import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { durationOption, integerOption, numberOption, timestampOption } from '../../../scripts/cli/option-parsers.js';

describe('integerOption', () => {
  it('takes whole numbers in range', () => {
    const parse = integerOption({ min: 1, max: 1000 });
    expect(parse('1')).toBe(1);
    expect(parse(' 1000 ')).toBe(1000);
    expect(integerOption()('-7')).toBe(-7);
  });

  it('refuses anything else, saying what it expected', () => {
    const parse = integerOption({ min: 1, max: 1000 });
    for (const bad of ['abc', '', '2.5', '1e3', '0x10', '0', '1001']) {
      expect(() => parse(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => parse('abc')).toThrow("must be a whole number from 1 to 1000, got 'abc'");
    expect(() => integerOption({ min: 0 })('-1')).toThrow("must be a whole number of at least 0, got '-1'");
    expect(() => integerOption({ max: 9 })('10')).toThrow("must be a whole number of at most 9, got '10'");
    expect(() => integerOption()('9007199254740993')).toThrow("must be a whole number, got '9007199254740993'");
  });
});

describe('numberOption', () => {
  it('takes numbers above the bound, fractions included', () => {
    expect(numberOption({ above: 0 })('0.5')).toBe(0.5);
    expect(numberOption({ above: 0 })('250')).toBe(250);
  });

  it('refuses the bound, below it and non-numbers', () => {
    for (const bad of ['0', '-1', 'fast', '', 'Infinity', '0x10']) expect(() => numberOption({ above: 0 })(bad)).toThrow(InvalidArgumentError);
    expect(() => numberOption({ above: 0 })('fast')).toThrow("must be a number above 0, got 'fast'");
  });
});

describe('durationOption', () => {
  it('returns milliseconds', () => {
    expect(durationOption('seconds')('2.5')).toBe(2_500);
    expect(durationOption('minutes')('60')).toBe(3_600_000);
  });

  it('refuses zero, negatives and non-numbers, naming the unit', () => {
    expect(() => durationOption('minutes')('0')).toThrow("must be a positive number of minutes, got '0'");
    expect(() => durationOption('seconds')('soon')).toThrow("must be a positive number of seconds, got 'soon'");
  });
});

describe('timestampOption', () => {
  const NOW = Date.parse('2026-11-22T06:00:00Z');
  const FROM = Date.parse('2026-11-22T05:00:00Z');
  const parse = timestampOption({ notInFuture: true, now: () => NOW });

  it('takes ISO-8601 times and epoch milliseconds', () => {
    expect(parse('2026-11-22T05:00:00Z')).toBe(FROM);
    expect(parse(String(FROM))).toBe(FROM);
  });

  it('refuses the future, and what is not a time', () => {
    expect(() => parse('2026-11-22T07:00:00Z')).toThrow(/must not be in the future/);
    expect(() => parse('yesterday')).toThrow(InvalidArgumentError);
    expect(() => parse('2026-13-45T00:00:00Z')).toThrow(/ISO-8601/);
    expect(timestampOption()('2030-01-01T00:00:00Z')).toBe(Date.parse('2030-01-01T00:00:00Z'));
  });
});
