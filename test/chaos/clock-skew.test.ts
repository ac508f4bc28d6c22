// Clocks that disagree and events that arrive out of order. Four producers
// stamp their records (Kafka CreateTime) with their own clocks, minutes ahead
// of or behind the event time, each by a different amount; the processor's
// own wall clock is minutes off too (a preload shifts Date in its process);
// and within each partition events arrive out of order: most by less than
// the processor's 5 s out-of-orderness, some by 8-28 s (behind the
// watermark, inside store revenue's 30 s allowed lateness), and a few by
// 7-10 minutes, too late for every window, and some by 2-4 minutes, too
// late for store revenue but not for customer risk. The dangerous cases: a component
// that takes the wrong clock for event time (CreateTime or processing time
// instead of occurred_at) and so puts orders in the wrong window or calls
// on-time orders late; lateness judged on something other than the
// partition's own watermark, so that whether an order counts depends on
// batching; and a late order that is dead-lettered and still counted.
//
// Which orders are late is exact by design. An order is late only relative
// to its partition's watermark (the newest event time before it in the
// partition, less 5 s), and each window view judges it on its own. Store
// revenue (1-minute windows, 30 s allowed lateness) misses an order once it
// is 35-95 s behind, depending on where in its minute it falls, and surely
// past 95 s; customer risk (5-minute windows sliding by a minute, no
// lateness) misses it only past 245-305 s. So the plan keeps four bands
// apart, and checks before anything is written that every order is inside
// its band's bounds:
// - under 30 s behind: counted in store revenue;
// - 100-240 s behind: late for store revenue, on time for customer risk:
//   applied to customer risk, dead-lettered as LATE_EVENT for store revenue;
// - over 320 s behind: late for both, dead-lettered;
// so the LATE_EVENT letters must be exactly the orders of the last two.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../scripts/devstack/dynamodb-local.js';
import { seededRandom } from '../../scripts/reference/seeded-random.js';
import { ChaosPipeline, PARTITIONS } from './harness/chaos-pipeline.js';
import { orderMessage, OrdersLedger, planOrders, type OrderStep } from './harness/orders-ledger.js';
import { CHAOS_SCALE, ScenarioLog, sized } from './harness/scenario.js';
import { skewedClockEnvironment } from './harness/skewed-clock.js';
import { judge } from './harness/verdict.js';

const SEED = Number(process.env.RTP_CHAOS_SEED ?? Date.now() % 1_000_000);
const ORDERS = sized({ subset: 600, full: 4_000 });
/** Event time the orders span: long enough for orders 10 minutes behind to have a history to be behind. */
const SPAN_MS = sized({ subset: 16, full: 40 }) * 60_000;
const SLICES = sized({ subset: 6, full: 20 });
const MINUTE = 60_000;

/** How far behind its partition's newest event an order is delivered. */
type Disorder = 'within-out-of-orderness' | 'within-allowed-lateness' | 'late-for-revenue-only' | 'far-too-late';
const DELAY: Record<Disorder, readonly [number, number]> = {
  'within-out-of-orderness': [0, 4_000],
  'within-allowed-lateness': [8_000, 28_000],
  'late-for-revenue-only': [120_000, 220_000],
  'far-too-late': [7 * MINUTE, 10 * MINUTE],
};
/** The bounds the plan must keep (see the header), in ms behind the partition's newest event. */
const BEHIND: Record<Disorder, readonly [number, number]> = {
  'within-out-of-orderness': [0, 30_000],
  'within-allowed-lateness': [0, 30_000],
  'late-for-revenue-only': [100_000, 240_000],
  'far-too-late': [320_000, Number.POSITIVE_INFINITY],
};

interface Planned {
  readonly step: OrderStep;
  readonly disorder: Disorder;
  /** When the producer sends it, in true time. */
  readonly sendAt: number;
  readonly producer: number;
  readonly partition: number;
}

let pipeline: ChaosPipeline | undefined;
afterAll(async () => pipeline?.stop(), 120_000);

describe('chaos: clock skew', () => {
  it('windows orders by event time whatever the producers\' and the processor\'s clocks say, and dead-letters exactly the orders too late for a view\'s windows', async () => {
    // Prepare: the plan, checked before anything runs
    const log = new ScenarioLog('clock-skew', SEED);
    const rng = seededRandom(SEED);
    const between = ([low, high]: readonly [number, number]): number => Math.round(low + rng() * (high - low));
    const startAt = Date.now() - SPAN_MS - 15 * MINUTE;
    const steps = planOrders(ORDERS, { seed: SEED, startAt, jitterMs: 0, eventsPerSecond: ORDERS / 0.4 / (SPAN_MS / 1000) });
    const lastEventAt = Math.max(...steps.map((s) => s.order.createdAt.getTime()));

    const skew = (sign: number, minutes: readonly [number, number]): number => sign * (between(minutes) * MINUTE + between([0, 59_999]));
    // Two producers far off (one each way), two close; the processor's clock off by more than its 60 s idle timeout.
    const producerSkews = [skew(-1, [2, 9]), skew(1, [2, 9]), skew(-1, [0, 1]), skew(1, [0, 1])];
    const processorSkew = skew(rng() < 0.5 ? -1 : 1, [2, 8]);
    // A plan's orders are late by their own delay relative to their partition's newest event, which
    // depends on how sparse the partition is around them; a plan that breaks a band's bounds is drawn again.
    const drawPlan = () => {
      const plan: Planned[] = steps.map((step) => {
        const at = step.order.createdAt.getTime();
        // Late orders need newer ones after them in the stream to be behind.
        const canBe = (d: Disorder): boolean => at + DELAY[d][1] + MINUTE < lastEventAt;
        const roll = rng();
        const disorder: Disorder =
          canBe('far-too-late') && roll < 0.05
            ? 'far-too-late'
            : canBe('late-for-revenue-only') && roll < 0.1
              ? 'late-for-revenue-only'
              : roll > 0.9
                ? 'within-allowed-lateness'
                : 'within-out-of-orderness';
        return { step, disorder, sendAt: at + between(DELAY[disorder]), producer: Math.floor(rng() * producerSkews.length), partition: Math.floor(rng() * PARTITIONS) };
      });
      // The stream as the producers send it; Kafka keeps each partition in send order.
      const stream = plan.map((p, index) => ({ ...p, index })).sort((a, b) => a.sendAt - b.sendAt || a.index - b.index);
      const newest = new Map<number, number>();
      const behindOf = new Map<string, number>();
      for (const p of stream) {
        const at = p.step.order.createdAt.getTime();
        // An order newer than everything before it is not behind at all.
        behindOf.set(p.step.eventId, Math.max(0, (newest.get(p.partition) ?? at) - at));
        newest.set(p.partition, Math.max(newest.get(p.partition) ?? at, at));
      }
      const farTooLate = new Set(plan.filter((p) => p.disorder === 'far-too-late').map((p) => p.step.eventId));
      const lateForRevenue = new Set(plan.filter((p) => p.disorder === 'late-for-revenue-only').map((p) => p.step.eventId));
      const misplanned = plan.filter((p) => {
        const behind = behindOf.get(p.step.eventId) ?? 0;
        const [low, high] = BEHIND[p.disorder];
        return behind < low || behind >= high;
      });
      return { plan, stream, behindOf, farTooLate, lateForRevenue, misplanned };
    };
    let drawn = drawPlan();
    for (let attempt = 1; drawn.misplanned.length > 0 && attempt < 20; attempt += 1) drawn = drawPlan();
    const { plan, stream, behindOf, farTooLate, lateForRevenue, misplanned } = drawn;
    expect(misplanned.map((p) => `${p.step.eventId} (${p.disorder}) ${behindOf.get(p.step.eventId)} ms behind`), `seed ${SEED}: the plan breaks its own bounds`).toEqual([]);
    expect([farTooLate.size, lateForRevenue.size]).not.toContain(0);

    // A fault is an order delivered behind a newer one of its partition; an order of a band that happens to land in order is none.
    const behind = (d: Disorder): number => plan.filter((p) => p.disorder === d && (behindOf.get(p.step.eventId) ?? 0) > 0).length;
    const minutes = (ms: number): string => `${ms >= 0 ? '+' : '-'}${(Math.abs(ms) / MINUTE).toFixed(1)} min`;
    log.inject(`producer clocks (CreateTime) off by ${producerSkews.map(minutes).join(', ')}`, producerSkews.length);
    log.inject(`processor wall clock off by ${minutes(processorSkew)}`, 1);
    log.inject(`${behind('within-out-of-orderness')} orders delivered up to 4 s behind a newer one (inside the 5 s out-of-orderness)`, behind('within-out-of-orderness'));
    log.inject(`${behind('within-allowed-lateness')} orders delivered 8-28 s late (behind the watermark, inside the 30 s allowed lateness)`, behind('within-allowed-lateness'));
    log.inject(`${lateForRevenue.size} orders delivered 120-220 s late (too late for store revenue, on time for customer risk: applied there, dead-lettered for store revenue)`, behind('late-for-revenue-only'));
    log.inject(`${farTooLate.size} orders delivered 7-10 min late (too late for every window: must be dead-lettered, not counted)`, behind('far-too-late'));

    pipeline = await ChaosPipeline.start({
      scenario: 'clock-skew',
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => log.line(line),
      processorEnv: { RTP_ESM_BATCH_SIZE: '60', RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '100', ...skewedClockEnvironment(processorSkew) },
    });
    const p = pipeline;
    const ledger = new OrdersLedger();
    const messages: Message[] = stream.map((s) => ({
      ...orderMessage(s.step, p.provisioned.schemaIds, s.sendAt + (producerSkews[s.producer] ?? 0)),
      partition: s.partition,
    }));
    ledger.addOrders(stream.map((s) => s.step), messages);

    // Act
    await p.startProcessor();
    for (let slice = 0; slice < SLICES; slice += 1) {
      await p.produce(messages.slice(Math.floor((slice * messages.length) / SLICES), Math.floor(((slice + 1) * messages.length) / SLICES)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await p.drain();
    const drainedAt = Date.now();

    // Assess: the processor did run on its skewed clock (its last commits are stamped with it)
    const direct = new DynamoDBClient({ endpoint: p.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const checkpoints = await new DynamoDbStateStore({ client: direct, tableName: p.provisioned.stateTable }).listCheckpoints().finally(() => direct.destroy());
    const lastActivity = Math.max(...checkpoints.map((c) => c.body.lastActivityAt));
    log.line(`the processor's last commit was stamped ${minutes(lastActivity - drainedAt)} from the test's clock`);
    expect(Math.abs(lastActivity - drainedAt - processorSkew)).toBeLessThan(30_000);

    // Assess: the windows hold, and the dead-lettered late orders are exactly the ones late for store revenue
    log.line(`${p.invocations.length} invocations, ${p.restarts} processor restarts (${CHAOS_SCALE})`);
    const verdict = await judge(p, ledger);
    log.conclude(verdict);
    expect([...verdict.lateEventIds].sort()).toEqual([...farTooLate, ...lateForRevenue].sort());
  }, 600_000);
});
