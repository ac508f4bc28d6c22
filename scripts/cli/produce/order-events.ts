import { orderEventValue } from '../../reference/run-workload.js';
import { planWorkload, type WorkloadStep } from '../../reference/workload.js';

/**
 * Realistic order events for load: the demo workload's orders (its stores,
 * customers, SKUs and prices, risky customers' bursts), planned in chunks so
 * a long run needs no memory for the whole plan, renumbered so ids stay
 * unique over the run, and written as the envelope of the schema version
 * asked for. Event times follow the requested rate from `startAt`, so
 * windows fill as they would in production. Ids derive from the seed: the
 * same seed gives the same events, which a deduplicating processor drops the
 * second time.
 */

export interface OrderEventsOptions {
  readonly seed: number;
  /** The schema version of the envelope written: 1, 2 or 3 (fields of later versions are left out). */
  readonly version: number;
  /** Event time of the first event, epoch ms. */
  readonly startAt: number;
  /** Event-time density, normally the produce rate. */
  readonly eventsPerSecond: number;
}

const CHUNK_EVENTS = 1_000;
type OrderStep = Extract<WorkloadStep, { kind: 'order' }>;

/** A generator of order event envelopes, each keyed by its order id (the outbox's aggregate id). */
export function orderEvents(options: OrderEventsOptions): () => Record<string, unknown> {
  let chunk = 0;
  let index = 0;
  let pending: OrderStep[] = [];
  const spacing = 1_000 / options.eventsPerSecond;
  return () => {
    while (pending.length === 0) {
      pending = planWorkload({
        events: CHUNK_EVENTS,
        // A different, repeatable stream per chunk.
        seed: (options.seed + Math.imul(chunk + 1, 0x9e3779b1)) >>> 0,
        startAt: options.startAt + chunk * CHUNK_EVENTS * spacing,
        eventsPerSecond: options.eventsPerSecond,
        orderShare: 1,
        duplicateRate: 0,
        jitterMs: 0,
        lateRate: 0,
        poisonRate: 0,
        correctionRate: 0,
      }).filter((s): s is OrderStep => s.kind === 'order');
      chunk += 1;
    }
    const step = pending.shift() as OrderStep;
    index += 1;
    const renumbered: OrderStep = {
      ...step,
      schemaVersion: options.version as OrderStep['schemaVersion'],
      eventId: `evt-load-${options.seed}-${index}`,
      order: { ...step.order, orderId: `o-${options.seed}-${String(index).padStart(8, '0')}` },
    };
    return orderEventValue(renumbered, 'rtp-produce');
  };
}
