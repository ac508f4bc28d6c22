/**
 * JSON as Avro Java's parser (Jackson) sees it: numbers keep their source
 * text, so `1.0` stays a floating-point number and `9007199254740993` stays
 * exact, where JSON.parse would give 1 and 9007199254740992. Objects keep
 * their key order; a repeated key keeps its last value, as Jackson's tree does.
 * The parser is iterative, so nesting depth is limited by memory, not by the
 * call stack.
 */
import { JsonSyntaxError } from './errors.js';

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
  if (text === undefined) throw new JsonSyntaxError(`not a JSON value: ${String(value)}`);
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

/** Parses JSON text; throws a JsonSyntaxError naming the offset of the first problem. */
export function parseLosslessJson(text: string): JsonValue {
  return new LosslessJsonParser(text).parse();
}

const LITERALS: readonly (readonly [string, JsonValue])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/**
 * One parse of one text. Containers live on `open`, not on the call stack;
 * a finished value goes to the innermost open one, or becomes the result.
 */
class LosslessJsonParser {
  private position = 0;
  private readonly open: (OpenArray | OpenObject)[] = [];
  private result: { value: JsonValue } | undefined;

  public constructor(private readonly text: string) {}

  /**
   * Two states: a value is expected next, or one has just been placed and a
   * comma or a closing bracket is.
   */
  public parse(): JsonValue {
    let expectValue = true;
    for (;;) {
      this.skipWhitespace();
      if (expectValue) expectValue = this.readValue();
      else if (this.open.length === 0) break;
      else expectValue = this.readCommaOrClose();
    }
    this.skipWhitespace();
    if (this.position < this.text.length) this.fail('content after the value');
    return (this.result ?? this.fail('no value')).value;
  }

  /** Reads a value, or opens a container; says whether a value is still expected (a container's first). */
  private readValue(): boolean {
    const char = this.text[this.position];
    if (char === '{' || char === '[') return this.openContainer(char);
    this.place(this.readScalar(char));
    return false;
  }

  /** Opens an object or array; an empty one is closed and placed at once. */
  private openContainer(char: '{' | '['): boolean {
    this.position += 1;
    const container: OpenArray | OpenObject = char === '{' ? { kind: 'object', value: new Map(), key: undefined } : { kind: 'array', value: [] };
    this.open.push(container);
    this.skipWhitespace();
    if (this.text[this.position] === (char === '{' ? '}' : ']')) {
      this.position += 1;
      this.open.pop();
      this.place(container.value);
      return false;
    }
    if (container.kind === 'object') this.readKey(container);
    return true;
  }

  /** A string, a literal or a number. */
  private readScalar(char: string | undefined): JsonValue {
    if (char === '"') return this.readString();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    const number = this.match(NUMBER);
    return number === undefined ? this.fail(char === undefined ? 'an unexpected end' : 'an unexpected character') : new JsonNumber(number);
  }

  /** After a value inside a container: a comma (another value follows) or the container's closing bracket. */
  private readCommaOrClose(): boolean {
    const container = this.open[this.open.length - 1] as OpenArray | OpenObject;
    const char = this.text[this.position];
    if (char === ',') {
      this.position += 1;
      if (container.kind === 'object') this.readKey(container);
      return true;
    }
    if ((char === ']' && container.kind === 'array') || (char === '}' && container.kind === 'object')) {
      this.position += 1;
      this.open.pop();
      this.place(container.value);
      return false;
    }
    return this.fail(char === undefined ? 'an unexpected end' : 'an unexpected character');
  }

  /** Hands a finished value to the innermost open container, or makes it the result. */
  private place(value: JsonValue): void {
    const container = this.open[this.open.length - 1];
    if (container === undefined) this.result = { value };
    else if (container.kind === 'array') container.value.push(value);
    else {
      container.value.set(container.key ?? this.fail('a value without a key'), value);
      container.key = undefined;
    }
  }

  /** Reads an object key and its colon; the value follows. */
  private readKey(container: OpenObject): void {
    this.skipWhitespace();
    container.key = this.readString();
    this.skipWhitespace();
    if (this.text[this.position] !== ':') this.fail("a missing ':'");
    this.position += 1;
  }

  private readString(): string {
    const literal = this.match(STRING);
    return literal === undefined ? this.fail('a malformed string') : (JSON.parse(literal) as string);
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position;
    WHITESPACE.exec(this.text);
    this.position = WHITESPACE.lastIndex;
  }

  /** The text `pattern` (sticky) matches at the current position, which moves past it. */
  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.position = pattern.lastIndex;
    return found[0];
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.position} of the JSON text`);
  }
}
