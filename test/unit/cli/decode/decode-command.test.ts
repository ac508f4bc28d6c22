import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeCommand } from '../../../../scripts/cli/decode/decode-command.js';
import { parseAvroSchema } from '../../../../functions/core/serde/avro-schema.js';
import { GlueCompression, writeGlueFrame } from '../../../../functions/core/serde/glue-wire-format.js';
import { FIXTURES_DIR, kafkaRecord, mskEvent } from '../../../helpers/kafka-events.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../../helpers/orders.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const EVENT = `${FIXTURES_DIR}events/mixed-formats.json`;
const REGISTRY = `${FIXTURES_DIR}registry`;

async function decodeLines(options: { reader?: string } = {}): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  await decodeCommand({ event: EVENT, registry: REGISTRY, ...options }, (line) => lines.push(line));
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('rtp decode', () => {
  it('prints one line per record: partitions in event order, offsets ascending, each decoded or dead-lettered', async () => {
    const lines = await decodeLines();

    expect(lines.map((l) => [l.partition, l.offset, l.format ?? (l.deadLetter as { reason: string }).reason, l.schemaVersionId])).toEqual([
      [1, 10, 'glue', ORDERS_SCHEMA_IDS[1]],
      [1, 11, 'glue', ORDERS_SCHEMA_IDS[2]],
      [1, 12, 'glue', ORDERS_SCHEMA_IDS[3]],
      [0, 100, 'confluent', '7'],
      [0, 101, 'json', undefined],
      [0, 102, 'DECODE_ERROR', undefined],
      [0, 103, 'SCHEMA_NOT_FOUND', undefined],
      [0, 104, 'DECODE_ERROR', undefined],
      [0, 105, 'DECODE_ERROR', undefined],
      [0, 106, 'json', undefined],
      [0, 107, 'json', undefined],
    ]);
  });

  it('prints values as plain JSON: timestamps ISO, decimals exact, JSON untouched without a reader', async () => {
    const lines = await decodeLines();
    expect(lines[0]?.value).toMatchObject({
      event_id: 'evt-v1',
      occurred_at: '2026-01-01T10:00:00.000Z',
      schema_version: 1,
      payload: { total: '59.97', lines: [{ sku: 'SKU-1', quantity: 3, unit_price: '19.99' }] },
    });
    expect(lines[4]?.value).toMatchObject({ occurred_at: 1767261600000 });
    expect(Object.keys(lines[4] ?? {})).not.toContain('schemaVersionId');
    expect(lines[10]?.value).toBeNull();
  });

  it('resolves every record to --reader and dead-letters JSON that does not fit it', async () => {
    const lines = await decodeLines({ reader: `${ROOT}schemas/orders/v2.avsc` });
    const v1 = lines[0]?.value as { payload: Record<string, unknown> };
    expect(v1.payload.shipping_method).toBe('standard');
    expect(lines[2]?.value).not.toHaveProperty('payload.promo_code');
    expect(lines[4]?.value).toMatchObject({ occurred_at: '2026-01-01T10:00:00.000Z' });
    expect(lines[9]).toMatchObject({ offset: 106, deadLetter: { reason: 'VALIDATION_ERROR' } });
    expect((lines[9]?.deadLetter as { message: string }).message).toMatch(/'occurred_at' \(missing\)/);
  });

  it('dead-letters an event time beyond what a Date can hold, and goes on to the next record', async () => {
    // occurred_at as a plain long, so a test can write longs no Date holds.
    const frame = (occurredAt: bigint): Buffer => {
      const event = orderEvent(1);
      const withPlainLong = parseAvroSchema(subjectVersion('orders', 1).replace(/"type":\s*\{\s*"type":\s*"long",\s*"logicalType":\s*"timestamp-millis"\s*\}/, '"type": "long"'));
      return writeGlueFrame(ORDERS_SCHEMA_IDS[1], withPlainLong.toBuffer({ ...event, occurred_at: occurredAt }), GlueCompression.NONE);
    };
    const dir = await mkdtemp(join(tmpdir(), 'rtp-decode-'));
    try {
      const event = join(dir, 'event.json');
      const records = [frame(2n ** 63n - 1n), frame(-(2n ** 63n)), frame(1_767_261_600_000n)].map((value, i) => kafkaRecord({ offset: i, value }));
      await writeFile(event, JSON.stringify(mskEvent(records)));
      const lines: string[] = [];
      await decodeCommand({ event, registry: REGISTRY }, (line) => lines.push(line));
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);

      expect(parsed.map((l) => (l.deadLetter as { reason?: string } | undefined)?.reason ?? l.format)).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR', 'glue']);
      expect((parsed[0]?.deadLetter as { message: string }).message).toMatch(/timestamp-millis 9223372036854775807 is outside what a JavaScript Date can hold/);
      expect(parsed[2]?.value).toMatchObject({ occurred_at: '2026-01-01T10:00:00.000Z' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints longs that fit as numbers and larger ones as strings', async () => {
    const { toPrintable } = await import('../../../../scripts/cli/printable.js');
    expect(toPrintable({ a: 42, b: 2n ** 60n, c: 7n, d: Buffer.from('hi') })).toEqual({ a: 42, b: '1152921504606846976', c: 7, d: 'aGk=' });
  });

  it('runs as a command and reports bad input on stderr with a non-zero exit', async () => {
    const run = promisify(execFile);
    const ok = await run('node', ['scripts/rtp.mjs', 'decode', '--event', EVENT, '--registry', REGISTRY], { cwd: ROOT });
    expect(ok.stdout.trim().split('\n')).toHaveLength(11);

    const missing = run('node', ['scripts/rtp.mjs', 'decode', '--event', `${ROOT}nope.json`, '--registry', REGISTRY], { cwd: ROOT });
    await expect(missing).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--event .*nope\.json: cannot be read \(ENOENT\)/) as unknown });

    const noRegistry = run('node', ['scripts/rtp.mjs', 'decode', '--event', EVENT], { cwd: ROOT, env: { ...process.env, SCHEMA_REGISTRY_NAME: '' } });
    await expect(noRegistry).rejects.toMatchObject({ stderr: expect.stringMatching(/--registry-name or SCHEMA_REGISTRY_NAME/) as unknown });
  }, 60_000);
});
