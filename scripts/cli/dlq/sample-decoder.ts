import type { DeadLetter } from '../../../functions/core/dlq/envelope.js';
import { SchemaRegistryUnavailableError, SerdeError } from '../../../functions/core/serde/errors.js';
import type { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import { toPrintable } from '../printable.js';

/** A dead letter's value as inspect shows it. */
export type PrintedValue =
  | { readonly decoded: true; readonly format: string; readonly schemaVersionId?: string; readonly value: unknown }
  | { readonly decoded: false; readonly base64: string; readonly decodeError: string }
  | null;

/**
 * The value decoded as the processors decode it (Glue or Confluent framed
 * Avro with its writer schema from the target's registry, or JSON), or the
 * raw base64 with why it does not decode. No reader schema: inspect shows
 * what was written, not what a processor version would make of it.
 */
export async function printValue(letter: DeadLetter, decoder: RecordDecoder): Promise<PrintedValue> {
  if (letter.value === null) return null;
  const bytes = Buffer.from(letter.value, 'base64');
  try {
    const decoded = await decoder.decode(bytes);
    return {
      decoded: true,
      format: decoded.format,
      schemaVersionId: decoded.schemaVersionId,
      value: toPrintable(decoded.value),
    };
  } catch (error) {
    if (!(error instanceof SerdeError) && !(error instanceof SchemaRegistryUnavailableError)) throw error;
    const label = error instanceof SerdeError ? error.reason : 'REGISTRY_UNAVAILABLE';
    return { decoded: false, base64: letter.value, decodeError: `${label}: ${error.message}` };
  }
}

/** A key as text when it is printable UTF-8 (most keys are), else base64. */
export function printKey(key: string | null): { readonly text: string } | { readonly base64: string } | null {
  if (key === null) return null;
  const bytes = Buffer.from(key, 'base64');
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const printable = Buffer.from(text, 'utf8').equals(bytes) && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
  return printable ? { text } : { base64: key };
}

/** Headers as name → text (or base64 for binary values); repeated names become lists. */
export function printHeaders(headers: DeadLetter['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const header of headers) {
    for (const [name, bytes] of Object.entries(header)) {
      const printed = printKey(Buffer.from(bytes.map((b) => b & 0xff)).toString('base64'));
      const value = printed === null ? '' : 'text' in printed ? printed.text : `base64:${printed.base64}`;
      const existing = out[name];
      out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  return out;
}
