/**
 * JSON as Avro Java's parser (Jackson) sees it: numbers keep their source
 * text, so `1.0` stays a floating-point number and `9007199254740993` stays
 * exact, where JSON.parse would give 1 and 9007199254740992. Objects keep
 * their key order; a repeated key keeps its last value, as Jackson's tree does.
 * The parser is iterative, so nesting depth is limited by memory, not by the
 * call stack.
 */

/** A JSON number as written. */
export class JsonNumber {
  public constructor(public readonly text: string) {}

  /** Written with a fraction or an exponent: Jackson reads it as a double, never as an integer. */
  public get isFloatingPoint(): boolean {
    return /[.eE]/.test(this.text);
  }

  /** The exact value of an integer literal; undefined for a floating-point one. */
  public get integerValue(): bigint | undefined {
    return this.isFloatingPoint ? undefined : BigInt(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return value instanceof Map;
}

/** Whether a value is an integer literal in [min, max], as Jackson's canConvertToInt/Long judge it. */
export function isIntegerInRange(value: JsonValue | undefined, min: bigint, max: bigint): boolean {
  if (!(value instanceof JsonNumber)) return false;
  const integer = value.integerValue;
  return integer !== undefined && integer >= min && integer <= max;
}

/** Compact JSON text of a value, numbers as written: for messages. */
export function jsonText(value: JsonValue): string {
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof Map) return `{${[...value].map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return JSON.stringify(value);
}

/** A JS value (already parsed, so numbers are JS numbers) as a JsonValue. */
export function fromJsValue(value: unknown): JsonValue {
  // Through text, so a deep value is converted by the iterative parser rather than by recursion here.
  const text = JSON.stringify(value);
  if (text === undefined) throw new SyntaxError(`not a JSON value: ${String(value)}`);
  return parseLosslessJson(text);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON forbids raw control characters inside a string; they must be escaped.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

interface OpenArray {
  readonly kind: 'array';
  readonly value: JsonValue[];
}
interface OpenObject {
  readonly kind: 'object';
  readonly value: JsonObject;
  key: string | undefined;
}

/** Parses JSON text; throws a SyntaxError naming the offset of the first problem. */
export function parseLosslessJson(text: string): JsonValue {
  let position = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${position} of the JSON text`);
  };
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = position;
    WHITESPACE.exec(text);
    position = WHITESPACE.lastIndex;
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = position;
    const found = pattern.exec(text);
    if (found === null) return undefined;
    position = pattern.lastIndex;
    return found[0];
  };
  const readString = (): string => {
    const literal = match(STRING);
    return literal === undefined ? fail('a malformed string') : (JSON.parse(literal) as string);
  };

  const open: (OpenArray | OpenObject)[] = [];
  let result: { value: JsonValue } | undefined;

  /** Hands a finished value to the innermost open container, or makes it the result. */
  const place = (value: JsonValue): void => {
    const container = open[open.length - 1];
    if (container === undefined) result = { value };
    else if (container.kind === 'array') container.value.push(value);
    else {
      container.value.set(container.key ?? fail('a value without a key'), value);
      container.key = undefined;
    }
  };

  /** Reads an object key and its colon; the value follows. */
  const readKey = (container: OpenObject): void => {
    skipWhitespace();
    container.key = readString();
    skipWhitespace();
    if (text[position] !== ':') fail("a missing ':'");
    position += 1;
  };

  // Two states: a value is expected next, or one has just been placed and a
  // comma or a closing bracket is. Containers live on `open`, not on the call stack.
  let expectValue = true;
  for (;;) {
    skipWhitespace();
    const char = text[position];
    if (expectValue) {
      if (char === '{' || char === '[') {
        position += 1;
        const container: OpenArray | OpenObject = char === '{' ? { kind: 'object', value: new Map(), key: undefined } : { kind: 'array', value: [] };
        open.push(container);
        skipWhitespace();
        if (text[position] === (char === '{' ? '}' : ']')) {
          position += 1;
          open.pop();
          place(container.value);
          expectValue = false;
        } else if (container.kind === 'object') readKey(container);
        continue;
      }
      if (char === '"') place(readString());
      else if (text.startsWith('true', position)) {
        position += 4;
        place(true);
      } else if (text.startsWith('false', position)) {
        position += 5;
        place(false);
      } else if (text.startsWith('null', position)) {
        position += 4;
        place(null);
      } else {
        const number = match(NUMBER);
        place(number === undefined ? fail(char === undefined ? 'an unexpected end' : 'an unexpected character') : new JsonNumber(number));
      }
      expectValue = false;
      continue;
    }
    const container = open[open.length - 1];
    if (container === undefined) break;
    if (char === ',') {
      position += 1;
      if (container.kind === 'object') readKey(container);
      expectValue = true;
    } else if ((char === ']' && container.kind === 'array') || (char === '}' && container.kind === 'object')) {
      position += 1;
      open.pop();
      place(container.value);
    } else {
      fail(char === undefined ? 'an unexpected end' : 'an unexpected character');
    }
  }
  skipWhitespace();
  if (position < text.length) fail('content after the value');
  return (result ?? fail('no value')).value;
}
