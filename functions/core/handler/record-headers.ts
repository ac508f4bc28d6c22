import type { KafkaRecordHeaders } from '../msk/types.js';
import type { RecordHeader } from '../processing/partition-contract.js';

/** Headers as Lambda sends them (one object per header, byte arrays) to key/bytes pairs, order kept. */
export function toRecordHeaders(headers: KafkaRecordHeaders | undefined): RecordHeader[] {
  const out: RecordHeader[] = [];
  for (const header of headers ?? []) {
    for (const [key, bytes] of Object.entries(header)) out.push({ key, value: Buffer.from(bytes) });
  }
  return out;
}
