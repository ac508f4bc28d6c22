import { InvalidArgumentError } from 'commander';

/**
 * Parsers for `Option.argParser`: each turns an option's text into its value
 * or throws `InvalidArgumentError` saying what is wrong. commander then names
 * the option ("error: option '--rate <n>' argument 'abc' is invalid. must be
 * ..."), exits non-zero, and the command's action never runs.
 *
 * Enumerated options use `Option.choices` instead; checks that span several
 * options stay in the action.
 */
export type OptionParser<T> = (value: string) => T;

export interface IntegerBounds {
  /** @default Number.MIN_SAFE_INTEGER */
  readonly min?: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

const WHOLE_NUMBER = /^[+-]?\d+$/;
const DECIMAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A whole number in [min, max], written in decimal digits (no '1e3', '0x10' or '2.0'). */
export function integerOption({ min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: IntegerBounds = {}): OptionParser<number> {
  const expected = wholeNumberRange(min, max);
  return (value) => {
    const text = value.trim();
    const n = Number(text);
    if (!WHOLE_NUMBER.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be ${expected}, got '${value}'`);
    return n;
  };
}

function wholeNumberRange(min: number, max: number): string {
  const hasMin = min > Number.MIN_SAFE_INTEGER;
  const hasMax = max < Number.MAX_SAFE_INTEGER;
  if (hasMin && hasMax) return `a whole number from ${min} to ${max}`;
  if (hasMin) return `a whole number of at least ${min}`;
  if (hasMax) return `a whole number of at most ${max}`;
  return 'a whole number';
}

/** A finite number above `above` (fractions allowed), e.g. a rate. */
export function numberOption({ above }: { readonly above: number }): OptionParser<number> {
  return (value) => {
    const n = parseDecimal(value);
    if (n === undefined || n <= above) throw new InvalidArgumentError(`must be a number above ${above}, got '${value}'`);
    return n;
  };
}

const MS_PER_UNIT = { seconds: 1_000, minutes: 60_000 } as const;

/** A positive number of `unit` (fractions allowed), returned in milliseconds. */
export function durationOption(unit: keyof typeof MS_PER_UNIT): OptionParser<number> {
  return (value) => {
    const n = parseDecimal(value);
    if (n === undefined || n <= 0) throw new InvalidArgumentError(`must be a positive number of ${unit}, got '${value}'`);
    return n * MS_PER_UNIT[unit];
  };
}

/**
 * A point in time, as epoch milliseconds: an ISO-8601 time (2026-11-22T06:00:00Z)
 * or epoch milliseconds; with `notInFuture`, no later than now.
 */
export function timestampOption({ notInFuture = false, now = Date.now }: { readonly notInFuture?: boolean; readonly now?: () => number } = {}): OptionParser<number> {
  return (value) => {
    const text = value.trim();
    const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
    if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(`must be an ISO-8601 time (2026-11-22T06:00:00Z) or epoch milliseconds, got '${value}'`);
    if (notInFuture && ms > now()) throw new InvalidArgumentError(`must not be in the future, got '${value}' (${new Date(ms).toISOString()})`);
    return ms;
  };
}

function parseDecimal(value: string): number | undefined {
  const text = value.trim();
  const n = Number(text);
  return DECIMAL_NUMBER.test(text) && Number.isFinite(n) ? n : undefined;
}
