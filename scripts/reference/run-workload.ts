import type { ClientBase } from 'pg';
import type { Producer } from 'kafkajs';
import { parseAvroSchema } from '../../functions/core/serde/avro-schema.js';
import { GlueCompression, writeGlueFrame } from '../../functions/core/serde/glue-wire-format.js';
import { subjectSchema } from '../../functions/core/serde/subject-schema.js';
import { ORDER_PLACED } from '../../functions/order-analytics/definition.js';
import { deleteStockMovement, insertStockMovement, placeOrder, republishOrderEvent, updateStockMovement } from './retail-repository.js';
import type { OrderSchemaVersion, WorkloadStep } from './workload.js';
import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';

export interface WorkloadTarget {
  /** One connection: orders are placed in transactions. */
  readonly postgres: ClientBase;
  /** For poison records, which no application would write through the outbox. */
  readonly producer: Producer;
  /** The Glue schema version id of each orders version, as registered. */
  readonly orderSchemaIds: ReadonlyMap<OrderSchemaVersion, string>;
  /** Awaited for one token before each step, to write at a fixed rate (a TokenBucket). @default unpaced */
  readonly pacer?: { take(n: number): Promise<void> };
  /** Called after each step, for progress. */
  readonly onStep?: (done: number, step: WorkloadStep) => void;
}

export interface WorkloadResult {
  readonly steps: number;
  readonly orders: number;
  readonly movements: number;
  readonly republished: number;
  readonly corrections: number;
  readonly poison: number;
}

/**
 * Applies a planned workload the way the retail applications would: stock
 * movements as rows, orders with their outbox event in one transaction (the
 * event Avro-encoded by its producer's schema version in the Glue wire
 * format, every other one zlib-compressed), repeats as a second outbox row,
 * corrections as UPDATE and DELETE. Poison records go straight to Kafka.
 */
export async function runWorkload(steps: readonly WorkloadStep[], target: WorkloadTarget): Promise<WorkloadResult> {
  const writers = new Map(([1, 2, 3] as const).map((v) => [v, parseAvroSchema(subjectSchema('orders', v))]));
  const movementIds: number[] = [];
  const payloads: Buffer[] = [];
  const orderIds: string[] = [];
  const result = { steps: 0, orders: 0, movements: 0, republished: 0, corrections: 0, poison: 0 };
  for (const step of steps) {
    await target.pacer?.take(1);
    switch (step.kind) {
      case 'movement': {
        const { movementId } = await insertStockMovement(target.postgres, step.movement);
        movementIds.push(movementId);
        result.movements += 1;
        break;
      }
      case 'movement-update':
      case 'movement-delete': {
        const id = movementIds[step.movement];
        if (id === undefined) throw new ReferenceInputError(`workload step refers to movement #${step.movement}, which was not written`, ReferenceInputErrorReason.INVALID_INPUT);
        await (step.kind === 'movement-update' ? updateStockMovement(target.postgres, id, step.quantityDelta) : deleteStockMovement(target.postgres, id));
        result.corrections += 1;
        break;
      }
      case 'order': {
        const writer = writers.get(step.schemaVersion);
        const schemaVersionId = target.orderSchemaIds.get(step.schemaVersion);
        if (writer === undefined || schemaVersionId === undefined) throw new ReferenceInputError(`no registered schema for orders v${step.schemaVersion}`, ReferenceInputErrorReason.INVALID_INPUT);
        const body = writer.toBuffer(orderEventValue(step));
        const payload = writeGlueFrame(schemaVersionId, body, result.orders % 2 === 0 ? GlueCompression.NONE : GlueCompression.ZLIB);
        await placeOrder(target.postgres, step.order, payload);
        payloads.push(payload);
        orderIds.push(step.order.orderId);
        result.orders += 1;
        break;
      }
      case 'order-republish': {
        const payload = payloads[step.order];
        const orderId = orderIds[step.order];
        if (payload === undefined || orderId === undefined) throw new ReferenceInputError(`workload step repeats order #${step.order}, which was not written`, ReferenceInputErrorReason.INVALID_INPUT);
        await republishOrderEvent(target.postgres, orderId, payload);
        result.republished += 1;
        break;
      }
      case 'poison':
        await target.producer.send({ topic: step.topic, acks: -1, messages: [{ key: 'poison', value: step.bytes }] });
        result.poison += 1;
        break;
    }
    result.steps += 1;
    target.onStep?.(result.steps, step);
  }
  return result;
}

/** The OrderEvent envelope as a producer on `schemaVersion` writes it; `source` names the producing service. */
export function orderEventValue(step: Extract<WorkloadStep, { kind: 'order' }>, source = 'order-service'): Record<string, unknown> {
  const { order } = step;
  const payload: Record<string, unknown> = {
    order_id: order.orderId,
    customer_id: order.customerId,
    store_id: order.storeId,
    channel: order.channel,
    currency: order.currency,
    total: order.total,
    lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unit_price: l.unitPrice })),
  };
  if (step.schemaVersion >= 2) payload.shipping_method = step.shippingMethod;
  if (step.schemaVersion >= 3) payload.promo_code = step.promoCode;
  return {
    event_id: step.eventId,
    event_type: ORDER_PLACED,
    occurred_at: order.createdAt,
    source,
    correlation_id: null,
    schema_version: step.schemaVersion,
    payload,
  };
}
