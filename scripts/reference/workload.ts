import type { Channel, MovementType, Order, StockMovement } from './retail-repository.js';
import { keyPartition, plannedLateness, type LatenessRules, type PlannedRecord } from './planned-lateness.js';
import type { PlannedLateOrder } from './reconcile.js';
import { seededRandom } from './seeded-random.js';
import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';

/**
 * The retail workload of the demo, planned up front and deterministic by
 * seed: stock movements from tills and the web shop, orders written with
 * the outbox pattern by producers on all three schema versions, and the
 * trouble a real pipeline meets: repeated events (a producer retrying),
 * event-time disorder, some events too late for any window, corrections of
 * earlier movements, and records no decoder can read.
 */

export interface WorkloadOptions {
  /** Business events to produce: movements and orders. */
  readonly events: number;
  /** Event time of the first event, epoch ms. */
  readonly startAt: number;
  /** @default 1 */
  readonly seed?: number;
  /** Event-time density. @default 40 per second */
  readonly eventsPerSecond?: number;
  /** @default 6 */
  readonly stores?: number;
  /** @default 150 */
  readonly customers?: number;
  /** @default 30 */
  readonly skus?: number;
  /** Share of orders among events. @default 0.4 */
  readonly orderShare?: number;
  /** Orders whose event is published a second time, at another offset. @default 0.02 */
  readonly duplicateRate?: number;
  /** Event-time jitter; within the processors' 5 s out-of-orderness, so these are on time. @default 3 000 */
  readonly jitterMs?: number;
  /** Events 10 minutes behind: too late for every window. @default 0.003 */
  readonly lateRate?: number;
  /** Undecodable records written straight to the topics. @default 0.002 */
  readonly poisonRate?: number;
  /** Updates and deletes of earlier movements. @default 0.03 */
  readonly correctionRate?: number;
  /** Customers who place bursts of orders at several stores, to raise risk alerts. @default 2 */
  readonly riskyCustomers?: number;
}

export type OrderSchemaVersion = 1 | 2 | 3;

export type WorkloadStep =
  | { readonly kind: 'movement'; readonly movement: StockMovement & { readonly occurredAt: Date } }
  /** Changes the quantity of the n-th movement of the plan (counting movements only). */
  | { readonly kind: 'movement-update'; readonly movement: number; readonly quantityDelta: number }
  | { readonly kind: 'movement-delete'; readonly movement: number }
  | {
      readonly kind: 'order';
      readonly order: Order;
      /** The order's total as planned, in integer cents: what a revenue window must add, computed without parsing `order.total`. */
      readonly totalCents: number;
      readonly eventId: string;
      readonly schemaVersion: OrderSchemaVersion;
      readonly shippingMethod: string;
      readonly promoCode: string | null;
      /** Written 10 minutes behind: the pipeline dead-letters it as LATE_EVENT. */
      readonly late: boolean;
    }
  /** Publishes the n-th order's event again (its outbox row only): a producer retry. */
  | { readonly kind: 'order-republish'; readonly order: number }
  | { readonly kind: 'poison'; readonly topic: 'orders' | 'stock-movements'; readonly bytes: Buffer };

const LATE_BY_MS = 10 * 60_000;
const MOVEMENT_TYPES_BY_SIGN: { readonly out: MovementType[]; readonly in: MovementType[] } = { out: ['SALE', 'TRANSFER_OUT', 'ADJUSTMENT'], in: ['RECEIPT', 'RETURN', 'TRANSFER_IN'] };

export function planWorkload(options: WorkloadOptions): WorkloadStep[] {
  const rng = seededRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const chance = (p: number): boolean => rng() < p;
  const stores = Array.from({ length: options.stores ?? 6 }, (_, i) => `store-${i + 1}`);
  const locations = [...stores, 'web'];
  const customers = Array.from({ length: options.customers ?? 150 }, (_, i) => `c-${String(i + 1).padStart(4, '0')}`);
  const risky = customers.slice(0, options.riskyCustomers ?? 2);
  const skus = Array.from({ length: options.skus ?? 30 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);
  const prices = new Map(skus.map((sku, i) => [sku, 199 + ((i * 7919) % 9800)]));
  const spacing = 1000 / (options.eventsPerSecond ?? 40);
  const jitter = options.jitterMs ?? 3_000;
  const steps: WorkloadStep[] = [];
  let movements = 0;
  let orders = 0;

  for (let i = 0; i < options.events; i += 1) {
    const late = chance(options.lateRate ?? 0.003);
    const eventTime = Math.round(options.startAt + i * spacing + (rng() * 2 - 1) * jitter - (late ? LATE_BY_MS : 0));
    if (chance(options.poisonRate ?? 0.002)) {
      steps.push({ kind: 'poison', topic: chance(0.5) ? 'orders' : 'stock-movements', bytes: Buffer.from(`not an event #${i}: ${Math.floor(rng() * 1e9)}`) });
    }
    if (movements > 0 && chance(options.correctionRate ?? 0.03)) {
      const target = Math.floor(rng() * movements);
      steps.push(chance(0.7) ? { kind: 'movement-update', movement: target, quantityDelta: Math.floor(rng() * 21) - 10 } : { kind: 'movement-delete', movement: target });
    }
    if (orders > 0 && chance(options.duplicateRate ?? 0.02)) steps.push({ kind: 'order-republish', order: Math.floor(rng() * orders) });

    if (chance(options.orderShare ?? 0.4)) {
      // A risky customer orders in bursts, at several stores, often with promo codes.
      const burst = chance(0.05) ? pick(risky) : undefined;
      const customerId = burst ?? pick(customers);
      const channel: Channel = chance(0.5) ? 'web' : 'pos';
      const storeId = channel === 'web' ? 'web' : pick(stores);
      // Prices are planned in integer cents; the decimal strings are only how the order writes them.
      const priced = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => {
        const sku = pick(skus);
        return { sku, quantity: 1 + Math.floor(rng() * 3), unitCents: (prices.get(sku) ?? 999) * (burst === undefined ? 1 : 6) };
      });
      const totalCents = priced.reduce((sum, l) => sum + l.unitCents * l.quantity, 0);
      const lines = priced.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: cents(l.unitCents) }));
      const schemaVersion = pick([1, 2, 3] as const);
      steps.push({
        kind: 'order',
        order: { orderId: `o-${String(orders + 1).padStart(7, '0')}`, customerId, storeId, channel, currency: 'EUR', total: cents(totalCents), createdAt: new Date(eventTime), lines },
        totalCents,
        eventId: `evt-order-${options.seed ?? 1}-${orders + 1}`,
        schemaVersion,
        shippingMethod: schemaVersion >= 2 ? pick(['standard', 'express', 'pickup']) : 'standard',
        promoCode: schemaVersion >= 3 && (burst !== undefined || chance(0.1)) ? pick(['WINTER10', 'VIP', 'WELCOME5']) : null,
        late,
      });
      orders += 1;
      // The order's items leave the shelf: a sale movement per line.
      for (const line of lines) {
        steps.push({ kind: 'movement', movement: { sku: line.sku, locationId: storeId, quantityDelta: -line.quantity, movementType: 'SALE', channel, occurredAt: new Date(eventTime) } });
        movements += 1;
      }
    } else {
      const inbound = chance(0.4);
      steps.push({
        kind: 'movement',
        movement: {
          sku: pick(skus),
          locationId: pick(locations),
          quantityDelta: inbound ? 1 + Math.floor(rng() * 40) : -(1 + Math.floor(rng() * 5)),
          movementType: pick(inbound ? MOVEMENT_TYPES_BY_SIGN.in : MOVEMENT_TYPES_BY_SIGN.out),
          channel: chance(0.3) ? 'web' : 'pos',
          occurredAt: new Date(eventTime),
        },
      });
      movements += 1;
    }
  }
  return steps;
}

function cents(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export type OrderStep = Extract<WorkloadStep, { kind: 'order' }>;

/**
 * Exactly `count` orders of a seeded workload, with the other steps (and,
 * unless asked for, repeats, late events, poison and corrections) left out:
 * for a measurement or a test that wants orders alone.
 */
export function planOrders(count: number, options: Omit<WorkloadOptions, 'events'>): OrderStep[] {
  // Orders are a share of the planner's events; plan generously and keep the first `count`.
  const events = Math.ceil((count / (options.orderShare ?? 0.4)) * 1.5) + 20;
  const steps = planWorkload({
    ...options,
    duplicateRate: options.duplicateRate ?? 0,
    lateRate: options.lateRate ?? 0,
    poisonRate: options.poisonRate ?? 0,
    correctionRate: options.correctionRate ?? 0,
    events,
  });
  const orders = steps.filter((s): s is OrderStep => s.kind === 'order').slice(0, count);
  if (orders.length < count) throw new ReferenceInputError(`the workload planner gave ${orders.length} orders, fewer than the ${count} asked for`, ReferenceInputErrorReason.INVALID_INPUT);
  return orders;
}


/**
 * The orders of a plan that are too late for one of order-analytics' views,
 * by the documented rule (see planned-lateness.ts). Applied as runWorkload
 * applies it, the plan reaches the orders topic in its own order: one
 * connection commits each outbox row in turn and Debezium publishes them in
 * commit order, each (a repeat too) on the partition its order id hashes to.
 */
export function plannedLateOrders(steps: readonly WorkloadStep[], topic: { readonly partitions: number; readonly rules: LatenessRules }): PlannedLateOrder[] {
  const orders = steps.filter((s): s is OrderStep => s.kind === 'order');
  const sent = function* (): Generator<PlannedRecord> {
    for (const step of steps) {
      const order = step.kind === 'order' ? step : step.kind === 'order-republish' ? orders[step.order] : undefined;
      if (order === undefined) continue;
      yield { id: order.eventId, partition: keyPartition(order.order.orderId, topic.partitions), eventTime: order.order.createdAt.getTime() };
    }
  };
  const late = plannedLateness(sent(), topic.rules);
  return orders.flatMap((step) => {
    const lateFor = late.get(step.eventId);
    if (lateFor === undefined) return [];
    const at = step.order.createdAt.getTime();
    return [{ eventId: step.eventId, storeId: step.order.storeId, windowStart: at - (at % 60_000), revenueCents: step.totalCents, lateFor }];
  });
}

