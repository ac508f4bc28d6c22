// SQS stopped (connections refused) while poison records arrive among good
// orders: bytes no decoder reads, Glue frames that are corrupt or name a
// schema version the registry does not have, JSON that is not an order. The
// processor must dead-letter each one, and cannot: the dead-letter write
// fails, so the invocation fails and the mapping redelivers the batch, again
// and again, for as long as SQS is down. The dangerous case is a commit that
// moves past a poison record whose letter was never written: the record is
// then gone for good (nothing would ever read it again). So while SQS is
// down, the scenario watches the group's committed offsets and fails if any
// passes a poison record. The engine's DynamoDB commits of the good orders in
// those batches do go through, and every redelivery must find them fenced:
// counted once, not once per retry. Once SQS is back every poison record
// must be in the DLQ with its exact bytes and an allowed reason, and the
// mapping must have given up nothing (its on-failure destination is SQS as
// well, down with it, and a batch given up is a batch the state never got).
import { afterAll, describe, inject, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { writeGlueFrame } from '../../functions/core/serde/glue-wire-format.js';
import { kafkaClient } from '../../scripts/devstack/kafka.js';
import { seededRandom } from '../../scripts/reference/seeded-random.js';
import { ChaosPipeline, ORDERS_TOPIC, PARTITIONS } from './harness/chaos-pipeline.js';
import { orderMessage, OrdersLedger, planOrders, type OrderStep } from './harness/orders-ledger.js';
import { ScenarioLog, sized } from './harness/scenario.js';
import { judge } from './harness/verdict.js';

const SEED = Number(process.env.RTP_CHAOS_SEED ?? Date.now() % 1_000_000);
const ORDERS = sized({ subset: 300, full: 2_000 });
/** Poison records of each kind, written while SQS is down. */
const POISON_PER_KIND = sized({ subset: 2, full: 6 });
/** SQS stays down at least this long, and until this many invocations have failed on it. */
const OUTAGE_MS = sized({ subset: 6_000, full: 25_000 });
const FAILED_INVOCATIONS = sized({ subset: 3, full: 10 });
const GROUP = 'rtp-order-analytics';

/** A kind of record no decoder of order-analytics can turn into an order, and the reasons it may be dead-lettered with. */
interface PoisonKind {
  readonly what: string;
  readonly reasons: readonly string[];
  readonly bytes: (n: number, rng: () => number, sample: Buffer) => Buffer;
}

const GLUE_HEADER_BYTES = 18;

const POISON_KINDS: readonly PoisonKind[] = [
  { what: 'text that is not JSON', reasons: ['DECODE_ERROR'], bytes: (n, rng) => Buffer.from(`not an order event #${n}: ${Math.floor(rng() * 1e9)}`) },
  {
    what: 'bytes that are not UTF-8 (no wire format)',
    reasons: ['DECODE_ERROR'],
    bytes: (_, rng) => Buffer.from([0xff, 0xfe, ...Array.from({ length: 24 }, () => Math.floor(rng() * 256))]),
  },
  {
    what: 'a Glue frame with an unknown compression byte',
    reasons: ['DECODE_ERROR'],
    bytes: (_, __, sample) => {
      const frame = Buffer.from(sample);
      frame[1] = 7;
      return frame;
    },
  },
  {
    what: 'a Glue frame whose Avro body is cut in half',
    reasons: ['DECODE_ERROR'],
    bytes: (_, __, sample) => Buffer.from(sample.subarray(0, GLUE_HEADER_BYTES + Math.floor((sample.length - GLUE_HEADER_BYTES) / 2))),
  },
  {
    what: 'a Glue frame naming a schema version the registry does not have',
    reasons: ['SCHEMA_NOT_FOUND'],
    bytes: (_, rng, sample) => writeGlueFrame(randomUuid(rng), sample.subarray(GLUE_HEADER_BYTES)),
  },
  {
    what: 'JSON that is not an order event',
    reasons: ['VALIDATION_ERROR'],
    bytes: (n, rng) => Buffer.from(JSON.stringify({ event_id: `not-an-order-${n}-${Math.floor(rng() * 1e9)}`, greeting: 'hello' })),
  },
];

let pipeline: ChaosPipeline | undefined;
let admin: Admin | undefined;
afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await pipeline?.stop();
}, 120_000);

describe('chaos: SQS outage', () => {
  it('dead-letters every poison record once SQS is back, commits past none before, and counts every order once', async () => {
    // Prepare
    const log = new ScenarioLog('sqs-outage', SEED);
    const rng = seededRandom(SEED);
    pipeline = await ChaosPipeline.start({
      scenario: 'sqs-outage',
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => log.line(line),
      processorEnv: {
        RTP_ESM_BATCH_SIZE: '20',
        RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '100',
        // Retries as dev and staging configure them (prod: 1000); the config
        // refuses -1, which becomes 10 once an on-failure destination is
        // set, since ten retries with full-jitter backoff capped at 5 s take
        // anywhere from about 2 s to 30 s: no outage long enough to matter is
        // reliably shorter than that. What happens when the budget does run
        // out (the batch given up to the on-failure destination, its poison
        // records never dead-lettered) is another failure; the verdict fails
        // if it happened at all.
        RTP_ESM_RETRY_ATTEMPTS: '100',
      },
    });
    const p = pipeline;
    const ledger = new OrdersLedger();
    const orders = planOrders(ORDERS, { seed: SEED, startAt: Date.now() - 3_600_000 });
    // Frames of orders that are in no ledger: the corrupt frames are made from them.
    const samples = planOrders(POISON_KINDS.length * POISON_PER_KIND, { seed: SEED + 1, startAt: Date.now() - 3_600_000 });
    admin = kafkaClient(p.kafka.bootstrapServers, 'chaos-sqs-outage-watch').admin();
    await admin.connect();
    const a = admin;
    const writeOrders = async (part: readonly OrderStep[]): Promise<void> => {
      const messages = part.map((step) => orderMessage(step, p.provisioned.schemaIds));
      await p.produce(messages);
      ledger.addOrders(part, messages);
    };
    await p.startProcessor();
    const slices = 8;
    const slice = (i: number): OrderStep[] => orders.slice(Math.floor((i * orders.length) / slices), Math.floor(((i + 1) * orders.length) / slices));
    await writeOrders(slice(0));
    await writeOrders(slice(1));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Act: SQS down; orders and poison records interleaved across the partitions
    await p.sqsProxy.outage();
    const downAt = Date.now();
    const invokedBefore = p.invocations.length;
    log.inject('SQS stopped: connections to it refused, the DLQ, the alerts queue and the on-failure destination unreachable', 1);
    const firstPoison = new Map<number, number>();
    const violations: string[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const [committed] = await a.fetchOffsets({ groupId: GROUP, topics: [ORDERS_TOPIC] });
        for (const { partition, offset } of committed?.partitions ?? []) {
          const poisonAt = firstPoison.get(partition);
          if (poisonAt !== undefined && Number(offset) > poisonAt) {
            violations.push(`partition ${partition} committed through offset ${Number(offset) - 1}, past the poison record at ${poisonAt}, while SQS was down`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    const kinds = shuffled(POISON_KINDS.flatMap((kind) => Array.from({ length: POISON_PER_KIND }, () => kind)), rng);
    const middle = [2, 3, 4, 5, 6];
    for (const [index, i] of middle.entries()) {
      await writeOrders(slice(i));
      for (const [k, kind] of kinds.entries()) {
        if (Math.floor((k * middle.length) / kinds.length) !== index) continue;
        const partition = k % PARTITIONS;
        const sample = orderMessage(samples[k]!, p.provisioned.schemaIds).value as Buffer;
        const value = kind.bytes(k, rng, sample);
        // This producer is the only writer, one send at a time: the record lands at the partition's end.
        const offset = Number((await a.fetchTopicOffsets(ORDERS_TOPIC)).find((o) => o.partition === partition)?.high ?? 0);
        await p.produce([{ key: `poison-${k}`, value }], { partition });
        ledger.addPoison({ value, reasons: kind.reasons, what: `${kind.what} (#${k}, partition ${partition})` });
        if (!firstPoison.has(partition)) firstPoison.set(partition, offset);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const failedSince = (): number => p.invocations.slice(invokedBefore).filter((i) => i.result !== 'SUCCESS').length;
    const giveUpAt = Date.now() + 120_000;
    while (Date.now() - downAt < OUTAGE_MS || failedSince() < FAILED_INVOCATIONS) {
      if (Date.now() > giveUpAt) throw new Error(`only ${failedSince()} invocations failed in 120 s of SQS outage: the poison records never reached the dead-letter write`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    watching = false;
    await watch;
    const [held] = await a.fetchOffsets({ groupId: GROUP, topics: [ORDERS_TOPIC] });
    const at = [...firstPoison].sort(([x], [y]) => x - y).map(([partition, poisonAt]) => {
      const committed = held?.partitions.find((c) => c.partition === partition)?.offset ?? '-1';
      return `partition ${partition} committed up to offset ${committed}, first poison at ${poisonAt}`;
    });
    log.line(`before restoring SQS: ${at.join('; ')}`);
    await p.sqsProxy.restore();
    log.inject(`${kinds.length} poison records (${POISON_KINDS.length} kinds) written while SQS was down; restored after ${((Date.now() - downAt) / 1000).toFixed(1)} s, ${failedSince()} invocations having failed on it`, kinds.length);
    await writeOrders(slice(7));
    await p.drain();

    // Assess
    const retried = p.invocations.filter((i) => i.invokeCount > 1).length;
    log.line(`${p.invocations.length} invocations, ${retried} of them redeliveries`);
    const verdict = await judge(p, ledger);
    log.conclude({ ...verdict, differences: [...verdict.differences, ...new Set(violations)] });
  }, 600_000);
});

function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function randomUuid(rng: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
