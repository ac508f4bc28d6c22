import { DecodeError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Plain JSON values, UTF-8 encoded. */
export function readJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new DecodeError('Record is neither Glue- nor Confluent-framed, and is not UTF-8 text for JSON', { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DecodeError(`Record is neither Glue- nor Confluent-framed, and is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export function writeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
