/**
 * The workload every in-process benchmark shares: OrderEvents planned by the
 * demo's seeded workload planner, written by producers on the reader's
 * schema (orders v3) in the Glue wire format, and cut into MSK events the
 * way the reference mapping delivers them: batches over the orders topic's
 * partitions, each order on the partition its order-id key goes to (Kafka's
 * murmur2 partitioner), as the outbox keys them, which spreads a
 * customer's orders over every partition. Only v3 writers, so that a
 * consumer without schema resolution (Powertools' Avro deserializer reads
 * with one schema) decodes the same bytes correctly: the comparison is of
 * decoding, not of features.
 */
import { randomUUID } from 'node:crypto';
import type { ProcessorDefinition } from '../functions/core/engine/definition.js';
import { decodePartition } from '../functions/core/handler/decode-partition.js';
import type { PartitionInput } from '../functions/core/processing/partition-contract.js';
import { partitionsOf } from '../functions/core/msk/partitions.js';
import type { KafkaEvent, KafkaEventRecord } from '../functions/core/msk/types.js';
import { CachedSchemaRegistry } from '../functions/core/serde/cached-schema-registry.js';
import { RecordDecoder } from '../functions/core/serde/record-decoder.js';
import { parseAvroSchema } from '../functions/core/serde/avro-schema.js';
import { writeGlueFrame } from '../functions/core/serde/glue-wire-format.js';
import { SchemaNotFoundError } from '../functions/core/serde/errors.js';
import type { SchemaRegistry } from '../functions/core/serde/schema-registry.js';
import { subjectSchema } from '../functions/core/serde/subject-schema.js';
import { PIPELINE_TOPIC_PARTITIONS } from '../scripts/reference/connectors.js';
import { keyPartition } from '../scripts/reference/planned-lateness.js';
import { orderEventValue } from '../scripts/reference/run-workload.js';
import { planOrders, type OrderStep } from '../scripts/reference/workload.js';

export const BENCH_TOPIC = 'orders';
/** The reference processors' batch size in every environment's config. */
export const BENCH_BATCH_SIZE = 500;
/** The orders topic's partitions in the local reference pipeline. */
export const BENCH_PARTITIONS = PIPELINE_TOPIC_PARTITIONS;
const EVENT_SOURCE_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/retail/abcd1234-0000-0000-0000-000000000000-1';

export interface BenchWorkload {
  /** One MSK event per batch, records spread over the partitions in offset order. */
  readonly events: readonly KafkaEvent[];
  readonly records: number;
  /** The Glue schema version id in every record's frame; `registry` knows it as orders v3. */
  readonly schemaVersionId: string;
  readonly registry: SchemaRegistry;
  /** The reader and writer schema, orders v3, as JSON text. */
  readonly schema: string;
  /** Distinct state keys the workload touches: stores for revenue, customers for risk. */
  readonly stores: number;
  readonly customers: number;
  /**
   * What every run must end with, from the plan alone: orders and revenue
   * per store and minute, keyed `<store>@<minute start, epoch ms>`. The plan
   * has no repeats and no late orders, so every order counts once.
   */
  readonly revenue: ReadonlyMap<string, { readonly orders: number; readonly revenueCents: number }>;
}

export interface BenchWorkloadOptions {
  /** @default 10 000 */
  readonly records?: number;
  /** Records per MSK event. @default BENCH_BATCH_SIZE */
  readonly batchSize?: number;
  /** @default 7 */
  readonly seed?: number;
}

/** Serves the one writer schema, as the Glue registry would after the first lookup. */
class SingleSchemaRegistry implements SchemaRegistry {
  public constructor(
    private readonly id: string,
    private readonly definition: string,
  ) {}

  public getSchemaDefinition(schemaVersionId: string): Promise<string> {
    if (schemaVersionId.toLowerCase() !== this.id) {
      return Promise.reject(new SchemaNotFoundError(`Schema version ${schemaVersionId} is not the bench's orders v3`, { schemaVersionId }));
    }
    return Promise.resolve(this.definition);
  }
}

export function benchWorkload(options: BenchWorkloadOptions = {}): BenchWorkload {
  const wanted = options.records ?? 10_000;
  const schema = subjectSchema(BENCH_TOPIC);
  const type = parseAvroSchema(schema);
  const schemaVersionId = randomUUID();
  const startAt = Date.UTC(2026, 10, 2, 9, 0, 0);
  const orders = planOrders(wanted, { seed: options.seed ?? 7, startAt }).map((step) => ({ ...step, schemaVersion: 3 as const }));

  const offsets = new Array<number>(BENCH_PARTITIONS).fill(0);
  const records: KafkaEventRecord[] = orders.map((step) => {
    const partition = keyPartition(step.order.orderId, BENCH_PARTITIONS);
    const offset = offsets[partition]!;
    offsets[partition] = offset + 1;
    const value = writeGlueFrame(schemaVersionId, type.toBuffer(orderEventValue(step)));
    return {
      topic: BENCH_TOPIC,
      partition,
      offset,
      timestamp: step.order.createdAt.getTime(),
      timestampType: 'CREATE_TIME',
      key: Buffer.from(step.order.orderId).toString('base64'),
      value: value.toString('base64'),
      headers: [],
    };
  });

  const events: KafkaEvent[] = [];
  const batchSize = options.batchSize ?? BENCH_BATCH_SIZE;
  for (let from = 0; from < records.length; from += batchSize) {
    const grouped: Record<string, KafkaEventRecord[]> = {};
    for (const record of records.slice(from, from + batchSize)) (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
    events.push({ eventSource: 'aws:kafka', eventSourceArn: EVENT_SOURCE_ARN, bootstrapServers: 'b-1.retail.kafka.eu-west-1.amazonaws.com:9098', records: grouped });
  }
  return {
    events,
    records: records.length,
    schemaVersionId,
    registry: new SingleSchemaRegistry(schemaVersionId, schema),
    schema,
    stores: new Set(orders.map((o) => o.order.storeId)).size,
    customers: new Set(orders.map((o) => o.order.customerId)).size,
    revenue: plannedRevenue(orders),
  };
}

export function plannedRevenue(orders: readonly OrderStep[]): Map<string, { orders: number; revenueCents: number }> {
  const revenue = new Map<string, { orders: number; revenueCents: number }>();
  for (const step of orders) {
    const at = step.order.createdAt.getTime();
    const key = `${step.order.storeId}@${at - (at % 60_000)}`;
    const current = revenue.get(key) ?? { orders: 0, revenueCents: 0 };
    revenue.set(key, { orders: current.orders + 1, revenueCents: current.revenueCents + step.totalCents });
  }
  return revenue;
}

export const BenchWorkloadErrorReason = {
  /** A record of the workload did not decode: a benchmark over it would not be of the same records. */
  UNDECODABLE: 'UNDECODABLE',
} as const;
export type BenchWorkloadErrorReason = (typeof BenchWorkloadErrorReason)[keyof typeof BenchWorkloadErrorReason];

export class BenchWorkloadError extends Error {
  public override readonly name = 'BenchWorkloadError';
  public readonly reason: BenchWorkloadErrorReason = BenchWorkloadErrorReason.UNDECODABLE;
}

/** Our decoder as the handler builds it for `definition`: one per container, the registry cached. */
export function workloadDecoder(workload: BenchWorkload, definition: ProcessorDefinition): RecordDecoder {
  return new RecordDecoder({
    registry: new CachedSchemaRegistry(workload.registry),
    readerSchema: definition.input.readerSchema,
  });
}

/**
 * Each MSK event decoded as the handler hands it to a processor: per
 * partition, partitions side by side. Every record must decode.
 */
export async function decodedInvocations(events: readonly KafkaEvent[], decoder: RecordDecoder): Promise<PartitionInput[][]> {
  const invocations: PartitionInput[][] = [];
  for (const event of events) {
    const batches = partitionsOf(event);
    const decoded = await Promise.all(batches.map((batch) => decodePartition(batch, decoder)));
    invocations.push(
      batches.map((batch, i) => {
        const { records, poisonRecords, stoppedAtOffset } = decoded[i]!;
        const failed = poisonRecords[0];
        if (failed !== undefined || stoppedAtOffset !== undefined) {
          const why = failed === undefined ? `the registry was unavailable at offset ${stoppedAtOffset}` : `offset ${failed.offset}: ${failed.error.message}`;
          throw new BenchWorkloadError(`${batch.topicPartition} did not decode: ${why}`, { cause: failed?.error });
        }
        return { topic: batch.topic, partition: batch.partition, topicPartition: batch.topicPartition, records, poisonRecords: [], lastOffset: batch.records.at(-1)?.offset ?? -1, deadLetter: () => Promise.resolve() };
      }),
    );
  }
  return invocations;
}
