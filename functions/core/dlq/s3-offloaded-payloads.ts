import type { S3Client } from '@aws-sdk/client-s3';
import { isOffloaded, isPointerTo, parseDeadLetter, type DeadLetter, type OffloadedDeadLetter } from './envelope.js';
import { DeadLetterResolveError, InvalidDeadLetterError } from './errors.js';

// Imported when first needed, not with this module: in a bundle a static
// import of the SDK loads it at cold start, and most containers never offload
// a dead letter (ClientSource).
const s3Sdk = () => import('@aws-sdk/client-s3');

// Bounded so a batch full of oversized poison records does not open dozens of sockets at once.
const STORE_CONCURRENCY = 8;

/** A full envelope to store in place of the letter, at `key` of the offload bucket. */
export interface OffloadedPayload {
  readonly key: string;
  readonly body: string;
}

/**
 * Stores offloaded envelopes in `bucket`, a few at a time. Stops after the
 * first group with a failed upload and returns why each of its uploads
 * failed; an empty array means every payload is stored.
 */
export async function storePayloads(s3: () => Promise<S3Client>, bucket: string, payloads: readonly OffloadedPayload[]): Promise<unknown[]> {
  for (let start = 0; start < payloads.length; start += STORE_CONCURRENCY) {
    const chunk = payloads.slice(start, start + STORE_CONCURRENCY);
    const results = await Promise.allSettled(
      chunk.map(async ({ key, body }) => {
        const [client, { PutObjectCommand }] = await Promise.all([s3(), s3Sdk()]);
        return client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
      }),
    );
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (rejected.length > 0) return rejected;
  }
  return [];
}

/**
 * Reads a DLQ message body back into the full envelope, fetching the payload
 * from S3 when the message is an offloaded pointer.
 */
export async function resolveDeadLetter(body: string, s3: S3Client): Promise<DeadLetter> {
  const letter = parseDeadLetter(body);
  if (!isOffloaded(letter)) return letter;
  const { bucket, key, bytes } = letter.payloadLocation;
  const where = `s3://${bucket}/${key}`;
  const text = await readPayload(s3, bucket, key);

  let stored: DeadLetter | OffloadedDeadLetter;
  try {
    stored = parseDeadLetter(text);
  } catch (error) {
    if (!(error instanceof InvalidDeadLetterError)) throw error;
    throw new DeadLetterResolveError(`Offloaded dead letter ${where} is not a dead letter`, bucket, key, { cause: error });
  }
  if (isOffloaded(stored) || Buffer.byteLength(text, 'utf8') !== bytes || !isPointerTo(letter, stored)) {
    throw new DeadLetterResolveError(`Offloaded dead letter ${where} is not the one the message names`, bucket, key);
  }
  return stored;
}

async function readPayload(s3: S3Client, bucket: string, key: string): Promise<string> {
  const where = `s3://${bucket}/${key}`;
  try {
    const { GetObjectCommand } = await s3Sdk();
    const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (output.Body === undefined) throw new DeadLetterResolveError(`Offloaded dead letter ${where} is empty`, bucket, key);
    return await output.Body.transformToString('utf-8');
  } catch (error) {
    if (error instanceof DeadLetterResolveError) throw error;
    throw new DeadLetterResolveError(`Could not read offloaded dead letter ${where}`, bucket, key, { cause: error });
  }
}
