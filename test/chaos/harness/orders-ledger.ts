/**
 * The source of truth of a chaos scenario: every order event and every
 * poison record the scenario's producers wrote, kept as the producers meant
 * them (not as the pipeline saw them), so the verdict can tell a lost order
 * from a double count. Orders are kept in the order they were sent, with
 * the partition they were sent to, which is all the verdict needs to work
 * out which of them are late. Orders come from the demo's seeded workload
 * planner and are framed as the order-service producers frame them: Avro of
 * their schema version in the Glue wire format.
 */
import type { Message } from 'kafkajs';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { subjectSchema } from '../../../functions/core/serde/subject-schema.js';
import { keyPartition } from '../../../scripts/reference/planned-lateness.js';
import { orderEventValue } from '../../../scripts/reference/run-workload.js';
import type { OrderStep } from '../../../scripts/reference/workload.js';
import { PARTITIONS } from './chaos-pipeline.js';

export { planOrders, type OrderStep } from '../../../scripts/reference/workload.js';

/** What an order must add to its store's 1-minute revenue window. */
export interface LedgerOrder {
  readonly eventId: string;
  readonly storeId: string;
  readonly occurredAt: number;
  readonly cents: number;
  /** Where it was sent. */
  readonly partition: number;
}

/** A record written to be dead-lettered, by its exact bytes. */
export interface LedgerPoison {
  readonly value: Buffer;
  /** The reasons the pipeline may give it, e.g. ['DECODE_ERROR']. */
  readonly reasons: readonly string[];
  readonly what: string;
}

export class OrdersLedger {
  private readonly orderEvents = new Map<string, LedgerOrder>();
  private readonly poisonRecords = new Map<string, LedgerPoison>();

  /**
   * An order as sent, in send order. Sent again (a repeat of an event id) it
   * is the same order, and keeps its first place.
   */
  public addOrder(step: OrderStep, sent: Message): void {
    if (sent.partition === undefined) throw new RangeError(`order ${step.eventId} was sent without a partition; the ledger needs to know where it went`);
    if (this.orderEvents.has(step.eventId)) return;
    this.orderEvents.set(step.eventId, { eventId: step.eventId, storeId: step.order.storeId, occurredAt: step.order.createdAt.getTime(), cents: step.totalCents, partition: sent.partition });
  }

  /** `steps` as sent in `messages`, one for one. */
  public addOrders(steps: readonly OrderStep[], messages: readonly Message[]): void {
    if (steps.length !== messages.length) throw new RangeError(`${steps.length} orders but ${messages.length} messages`);
    steps.forEach((step, i) => this.addOrder(step, messages[i] as Message));
  }

  public addPoison(poison: LedgerPoison): void {
    this.poisonRecords.set(poison.value.toString('base64'), poison);
  }

  public get orders(): ReadonlyMap<string, LedgerOrder> {
    return this.orderEvents;
  }

  /**
   * In send order, each order once. A repeat is left out: it goes to its
   * order's partition after the order itself, so it cannot move that
   * partition's watermark, and a duplicate is never judged late.
   */
  public get sent(): readonly LedgerOrder[] {
    return [...this.orderEvents.values()];
  }

  /** By the base64 of their bytes, as a dead letter carries them. */
  public get poison(): ReadonlyMap<string, LedgerPoison> {
    return this.poisonRecords;
  }
}

/** Glue schema version id per orders schema version, as registered in the local registry. */
export type OrderSchemaIds = ReadonlyMap<number, string>;

const writerTypes = new Map<number, ReturnType<typeof parseAvroSchema>>();

/**
 * The Kafka message an order-service producer on the step's schema version
 * writes, keyed by order id, on the partition its key hashes to (stated, so
 * the ledger knows it; a scenario may send it elsewhere). `timestamp` is the
 * producer's clock (CreateTime), which a scenario may skew; by default the
 * event time.
 */
export function orderMessage(step: OrderStep, schemaIds: OrderSchemaIds, timestamp = step.order.createdAt.getTime()): Message {
  const version = step.schemaVersion;
  const id = schemaIds.get(version);
  if (id === undefined) throw new RangeError(`orders v${version} is not registered`);
  let type = writerTypes.get(version);
  if (type === undefined) {
    type = parseAvroSchema(subjectSchema('orders', version));
    writerTypes.set(version, type);
  }
  return { key: step.order.orderId, value: writeGlueFrame(id, type.toBuffer(orderEventValue(step))), timestamp: String(timestamp), partition: keyPartition(step.order.orderId, PARTITIONS) };
}

/**
 * The orders with some sent a second time a little later, at another
 * offset, as a producer that retries after a lost acknowledgement would:
 * each copy must be dropped as a duplicate by event id. About `rate` of
 * the orders are repeated, each within the 100 orders after it.
 */
export function withProducerRetries(orders: readonly OrderStep[], rng: () => number, rate = 0.03): { steps: OrderStep[]; repeats: number } {
  const steps: OrderStep[] = [];
  let repeats = 0;
  orders.forEach((order, i) => {
    steps.push(order);
    if (rng() < rate) {
      steps.push(orders[Math.max(0, i - Math.floor(rng() * 100))] as OrderStep);
      repeats += 1;
    }
  });
  return { steps, repeats };
}

