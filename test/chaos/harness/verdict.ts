/**
 * Whether exactly-once held, judged against the ledger: every order the
 * producers wrote must be in its store's 1-minute revenue window exactly
 * once, unless it is too late for that window. Which orders are late is
 * worked out from the ledger (what was sent where, in which order) by the
 * documented rule (plannedLateness), never taken from the pipeline; the
 * orders dead-lettered as LATE_EVENT must be exactly the ones late for some
 * view, both ways. Every poison record must be dead-lettered with its
 * exact bytes; and no dead letter may hold anything else (a good order in
 * the DLQ is a lost order); and the mapping must have given up no batch (a
 * batch sent to the on-failure destination was committed past without the
 * handler finishing it). Windows are compared by order count and cents,
 * so a lost order and a doubled one cannot hide behind each other unless
 * both counts agree, which the per-window comparison of two measures makes
 * vanishingly unlikely.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeadLetter } from '../../../functions/core/dlq/envelope.js';
import { CachedSchemaRegistry } from '../../../functions/core/serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import { subjectSchema } from '../../../functions/core/serde/subject-schema.js';
import { DynamoDbStateStore } from '../../../functions/core/state/dynamodb-state-store.js';
import { orderAnalytics, type StoreRevenue } from '../../../functions/order-analytics/definition.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../scripts/devstack/dynamodb-local.js';
import { LOCAL_AWS } from '../../../scripts/devstack/moto.js';
import type { OnFailureRecord } from '../../../scripts/lambda-emulator/esm/msk-event.js';
import { drainQueue, lateEventIdOf, readDeadLetters } from '../../../scripts/reference/demo-results.js';
import { latenessRulesOf, plannedLateness } from '../../../scripts/reference/planned-lateness.js';
import { STORE_REVENUE_VIEW, storeRevenueWindows } from '../../../scripts/reference/reconcile.js';
import { PARTITIONS, type ChaosPipeline } from './chaos-pipeline.js';
import type { OrdersLedger } from './orders-ledger.js';

export interface ChaosVerdict {
  readonly orders: number;
  readonly windows: number;
  /** Orders missing from their window, and late orders missing from the dead-letter queue. */
  readonly lost: number;
  /** Orders counted more than once, or counted though too late. */
  readonly doubled: number;
  /** Orders the ledger says are late for some view; each must be dead-lettered as LATE_EVENT. */
  readonly plannedLate: number;
  readonly lateDeadLettered: number;
  /** The event ids of the orders dead-lettered as LATE_EVENT. */
  readonly lateEventIds: readonly string[];
  readonly poisonDeadLettered: number;
  readonly poisonMissing: readonly string[];
  /** Dead letters that are neither a late order nor a poison record of the ledger. */
  readonly unexpectedDeadLetters: readonly string[];
  /** Batches the mapping gave up and sent to its on-failure destination, by condition and offsets. */
  readonly givenUp: readonly string[];
  /** Windows that differ from the ledger's, and orders dead-lettered as late or not against the ledger's lateness. */
  readonly differences: readonly string[];
}

const MINUTE = 60_000;
const RULES = latenessRulesOf(orderAnalytics({ partitions: PARTITIONS }));

export async function judge(pipeline: ChaosPipeline, ledger: OrdersLedger): Promise<ChaosVerdict> {
  const p = pipeline.provisioned;
  const endpoint = pipeline.moto.endpoint;
  const sqs = new SQSClient({ endpoint: pipeline.elasticMq.endpoint, ...LOCAL_AWS });
  const s3 = new S3Client({ endpoint, ...LOCAL_AWS, forcePathStyle: true });
  const glue = new GlueClient({ endpoint, ...LOCAL_AWS });
  // Read past the fault proxy: the verdict must not meet the scenario's faults.
  const direct = new DynamoDBClient({ endpoint: pipeline.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    // A dead letter is at least once (written before the commit that passes it): one per record.
    const letters = new Map<string, DeadLetter>();
    for (const letter of await readDeadLetters(sqs, s3, p.deadLetterQueueUrl)) letters.set(`${letter.topic}/${letter.partition}/${letter.offset}`, letter);

    const decoder = new RecordDecoder({ registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue, registryName: p.registryName })), readerSchema: subjectSchema('orders') });
    const late = new Set<string>();
    const poisonSeen = new Set<string>();
    const unexpected: string[] = [];
    for (const [where, letter] of letters) {
      const poison = letter.value === null ? undefined : ledger.poison.get(letter.value);
      if (poison !== undefined) {
        if (poison.reasons.includes(letter.reason)) poisonSeen.add(letter.value ?? '');
        else unexpected.push(`${where}: ${poison.what} dead-lettered as ${letter.reason}, expected ${poison.reasons.join(' or ')}`);
        continue;
      }
      if (letter.reason === 'LATE_EVENT' && letter.value !== null) {
        const eventId = await lateEventIdOf(letter, decoder);
        if (ledger.orders.has(eventId)) {
          late.add(eventId);
          continue;
        }
      }
      unexpected.push(`${where}: ${letter.reason} ${letter.error.name}: ${letter.error.message}`);
    }

    const planned = plannedLateness(
      ledger.sent.map((o) => ({ id: o.eventId, partition: o.partition, eventTime: o.occurredAt })),
      RULES,
    );
    const expected = new Map<string, StoreRevenue>();
    for (const order of ledger.orders.values()) {
      if (planned.get(order.eventId)?.includes(STORE_REVENUE_VIEW) === true) continue;
      const key = `${order.storeId}@${order.occurredAt - (order.occurredAt % MINUTE)}`;
      const current = expected.get(key) ?? { orders: 0, revenueCents: 0 };
      expected.set(key, { orders: current.orders + 1, revenueCents: current.revenueCents + order.cents });
    }
    const { windows: actual, closedAndOpen } = storeRevenueWindows((await new DynamoDbStateStore({ client: direct, tableName: p.stateTable }).scanAll()).map((item) => item.body));
    let lost = 0;
    let doubled = 0;
    const differences: string[] = closedAndOpen.map((key) => `${key}: window both closed and still open`);
    for (const key of new Set([...expected.keys(), ...actual.keys()])) {
      const want = expected.get(key) ?? { orders: 0, revenueCents: 0 };
      const got = actual.get(key) ?? { orders: 0, revenueCents: 0 };
      if (want.orders === got.orders && want.revenueCents === got.revenueCents) continue;
      lost += Math.max(0, want.orders - got.orders);
      doubled += Math.max(0, got.orders - want.orders);
      const [store, start] = key.split('@');
      differences.push(`${store}@${new Date(Number(start)).toISOString()}: expected ${want.orders} orders / ${want.revenueCents} cents, found ${got.orders} / ${got.revenueCents}`);
    }
    // An on-time order dead-lettered as late is also missing from its window, so counted lost there.
    for (const eventId of late) {
      if (!planned.has(eventId)) differences.push(`${eventId}: dead-lettered as LATE_EVENT, but on time by its partition's watermark`);
    }
    // A late order with no letter is gone from the accounting (if it was counted too, the window shows that).
    for (const [eventId, views] of planned) {
      if (late.has(eventId)) continue;
      lost += 1;
      differences.push(`${eventId}: late for ${views.join(', ')} by its partition's watermark, but not dead-lettered as LATE_EVENT`);
    }
    const givenUp = (await drainQueue(sqs, p.onFailureQueueUrl)).map((body) => {
      const record = JSON.parse(body) as OnFailureRecord;
      const where = Object.entries(record.KafkaBatchInfo.recordsInfo).map(([tp, info]) => `${tp}@${info.firstRecordOffset}..${info.lastRecordOffset}`);
      return `${record.requestContext.condition} after ${record.requestContext.approximateInvokeCount} invocations: ${where.join(', ')}`;
    });
    const poisonMissing = [...ledger.poison.entries()].filter(([bytes]) => !poisonSeen.has(bytes)).map(([, poison]) => poison.what);
    return {
      orders: ledger.orders.size,
      windows: expected.size,
      lost,
      doubled,
      plannedLate: planned.size,
      lateDeadLettered: late.size,
      lateEventIds: [...late],
      poisonDeadLettered: poisonSeen.size,
      poisonMissing,
      unexpectedDeadLetters: unexpected,
      givenUp,
      differences,
    };
  } finally {
    sqs.destroy();
    s3.destroy();
    glue.destroy();
    direct.destroy();
  }
}

/** One line for the scenario's output: what the verdict found. */
export function describeVerdict(v: ChaosVerdict): string {
  return (
    `verdict: ${v.orders} orders in ${v.windows} windows, ${v.lost} lost, ${v.doubled} double-counted, ` +
    `${v.lateDeadLettered} dead-lettered as late (${v.plannedLate} late by the plan), ${v.poisonDeadLettered} poison dead-lettered, ` +
    `${v.poisonMissing.length} poison missing, ${v.unexpectedDeadLetters.length} unexpected dead letters, ${v.givenUp.length} batches given up`
  );
}
