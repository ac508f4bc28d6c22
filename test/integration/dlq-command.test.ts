// `rtp dlq` against real services: Kafka, moto (Glue Schema Registry, S3),
// ElasticMQ (SQS) and DynamoDB Local, with the real order-analytics handler running as a
// local Lambda behind the local event source mapping. The acceptance point:
// a dead letter replayed after its cause is fixed reaches its processor
// exactly once.
//
// The cause: a producer framed an order with a writer schema version the
// registry does not have yet (orders v3 before it was registered), so the
// processor parks it as SCHEMA_NOT_FOUND with its payload. The fix registers
// v3. For the registered version to get the very id the producer used, moto's
// random generator is seeded before the id is first drawn (for a schema that
// is then deleted) and seeded the same way before v3 is registered: moto
// draws a schema version id as the first random value of both calls.
import { fileURLToPath } from 'node:url';
import { randomInt } from 'node:crypto';
import { CreateRegistryCommand, CreateSchemaCommand, DeleteSchemaCommand, GlueClient, RegisterSchemaVersionCommand } from '@aws-sdk/client-glue';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAvroSchema } from '../../functions/core/serde/avro-schema.js';
import { writeGlueFrame } from '../../functions/core/serde/glue-wire-format.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import type { InspectReport, inspectQueue as inspectQueueFn } from '../../scripts/cli/dlq/inspect.js';
import type { ReplayReport, replayDeadLetters as replayDeadLettersFn } from '../../scripts/cli/dlq/replay.js';
import type { kafkaReplayProducer as kafkaReplayProducerFn } from '../../scripts/cli/dlq/replay-producer.js';
import type { PipelineTarget } from '../../scripts/cli/ops/pipeline-target.js';
import type { ElasticMq } from '../../scripts/devstack/elasticmq.js';
import type { LocalKafka } from '../../scripts/devstack/kafka.js';
import type { Moto } from '../../scripts/devstack/moto.js';
import type { RunningProcessor, startProcessor as startProcessorFn } from '../../scripts/lambda-emulator/processor-runner.js';
import type { waitUntil as waitUntilFn } from '../../scripts/devstack/processes.js';
import { storeRevenueWindows } from '../../scripts/reference/reconcile.js';
import { orderEvent, subjectVersion } from '../helpers/orders.js';
import { removeStackState, useStackStateDir } from '../helpers/stack-state.js';

const STATE_DIR = fileURLToPath(new URL(`../../.rtp/test-dlq-${process.pid}`, import.meta.url));
const REGISTRY = 'realtime-pipeline-local';
const TOPIC = 'orders';
const STORE = 'store-dlq';
const SEED = 4242;
// The first run also fetches Kafka and ElasticMQ and installs moto.
const START_TIMEOUT_MS = 10 * 60_000;

interface Modules {
  readonly startProcessor: typeof startProcessorFn;
  readonly waitUntil: typeof waitUntilFn;
  readonly inspectQueue: typeof inspectQueueFn;
  readonly replayDeadLetters: typeof replayDeadLettersFn;
  readonly kafkaReplayProducer: typeof kafkaReplayProducerFn;
}

let restoreStateDir: () => void = () => undefined;
let modules: Modules;
let kafka: LocalKafka | undefined;
let moto: Moto | undefined;
let elasticMq: ElasticMq | undefined;
let target: PipelineTarget | undefined;
let producer: Producer | undefined;
let glue: GlueClient;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;
let tableName: string;
let runnerEnv: Record<string, string>;
let v2Id: string;
/** The id orders v3 will get once registered, which the early producer already used. */
let v3Id: string;
const runners: RunningProcessor[] = [];

beforeAll(async () => {
  // Before any scripts/devstack module loads (so all of them are imported here):
  // paths.ts reads it once, at import, and the processor's log goes under it.
  restoreStateDir = useStackStateDir(STATE_DIR);
  const { dynamoDbClient, uniqueTableName } = await import('../helpers/dynamodb-local.js');
  const { startKafka } = await import('../../scripts/devstack/kafka.js');
  const { startMoto, awsEnvironment, LOCAL_AWS } = await import('../../scripts/devstack/moto.js');
  const { startElasticMq } = await import('../../scripts/devstack/elasticmq.js');
  const { waitUntil } = await import('../../scripts/devstack/processes.js');
  const { startProcessor } = await import('../../scripts/lambda-emulator/processor-runner.js');
  const { localTarget } = await import('../../scripts/cli/ops/pipeline-target.js');
  const { inspectQueue } = await import('../../scripts/cli/dlq/inspect.js');
  const { replayDeadLetters } = await import('../../scripts/cli/dlq/replay.js');
  const { kafkaReplayProducer } = await import('../../scripts/cli/dlq/replay-producer.js');
  modules = { startProcessor, waitUntil, inspectQueue, replayDeadLetters, kafkaReplayProducer };

  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  [kafka, moto, elasticMq] = await Promise.all([
    startKafka({ dataDir: `${STATE_DIR}/kafka`, fresh: true, onProgress: progress }),
    startMoto({ onProgress: progress }),
    startElasticMq({ onProgress: progress }),
  ]);
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  target = localTarget({
    kafka: { bootstrapServers: kafka.bootstrapServers, port: kafka.port, pid: kafka.pid, logPath: '' },
    moto: { endpoint: moto.endpoint, port: moto.port, pid: moto.pid, logPath: '' },
    elasticmq: { endpoint: elasticMq.endpoint, port: elasticMq.port, pid: elasticMq.pid, logPath: elasticMq.logPath },
    dynamodb: { endpoint: dynamodbEndpoint, port: Number(new URL(dynamodbEndpoint).port), pid: 0, logPath: '' },
  });

  const admin = target.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  producer = target.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // The registry as it is before the fix: orders v1 and v2 only.
  glue = new GlueClient({ endpoint: moto.endpoint, ...LOCAL_AWS });
  await glue.send(new CreateRegistryCommand({ RegistryName: REGISTRY }));
  await glue.send(new CreateRegistryCommand({ RegistryName: 'scratch' }));
  const schema = { RegistryId: { RegistryName: REGISTRY }, SchemaName: 'orders', DataFormat: 'AVRO' as const, Compatibility: 'BACKWARD' as const };
  await glue.send(new CreateSchemaCommand({ ...schema, SchemaDefinition: subjectVersion('orders', 1) }));
  v2Id = (await glue.send(new RegisterSchemaVersionCommand({ SchemaId: { RegistryName: REGISTRY, SchemaName: 'orders' }, SchemaDefinition: subjectVersion('orders', 2) }))).SchemaVersionId ?? '';
  // The id v3 will be given: drawn once from the seeded generator, for a schema deleted at once.
  await seedMoto(SEED);
  const probe = await glue.send(new CreateSchemaCommand({ ...schema, RegistryId: { RegistryName: 'scratch' }, SchemaName: 'probe', SchemaDefinition: subjectVersion('orders', 3) }));
  await seedMoto(randomInt(1, 2 ** 31));
  v3Id = probe.SchemaVersionId ?? '';
  await glue.send(new DeleteSchemaCommand({ SchemaId: { RegistryName: 'scratch', SchemaName: 'probe' } }));

  sqs = new SQSClient({ endpoint: elasticMq.endpoint, ...LOCAL_AWS });
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'order-analytics-dlq' }))).QueueUrl ?? '';
  await sqs.send(new CreateQueueCommand({ QueueName: 'order-analytics-on-failure' }));
  dynamodb = dynamoDbClient();
  tableName = uniqueTableName('order-analytics');
  await createStateTable(dynamodb, tableName);

  runnerEnv = {
    ...awsEnvironment(moto.endpoint, elasticMq.endpoint),
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    STATE_TABLE_NAME: tableName,
    INPUT_PARTITIONS: '3',
    SCHEMA_REGISTRY_NAME: REGISTRY,
    DEAD_LETTER_QUEUE_URL: dlqUrl,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    RTP_KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
    RTP_ESM_TOPICS: TOPIC,
    RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '20',
  };
}, START_TIMEOUT_MS);

afterAll(async () => {
  for (const runner of runners) await runner.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  target?.close();
  glue?.destroy();
  sqs?.destroy();
  dynamodb?.destroy();
  await Promise.all([kafka?.stop(), moto?.stop(), elasticMq?.stop()]);
  await removeStackState(STATE_DIR);
  restoreStateDir();
}, 120_000);

/** moto's own API: seeds the generator its ids come from. */
async function seedMoto(seed: number): Promise<void> {
  const response = await fetch(`${moto?.endpoint ?? ''}/moto-api/seed?a=${seed}`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto seed answered ${response.status}`);
}

async function startRunner(): Promise<RunningProcessor> {
  const runner = await modules.startProcessor({ processor: 'order-analytics', env: runnerEnv, appendLog: runners.length > 0 });
  runners.push(runner);
  return runner;
}

/** The store-revenue view of STORE, over open and closed windows, read as the reconciliation reads it. */
async function storeRevenue(): Promise<{ orders: number; revenueCents: number }> {
  const items = await new DynamoDbStateStore({ client: dynamodb, tableName }).scanAll();
  const total = { orders: 0, revenueCents: 0 };
  for (const [key, result] of storeRevenueWindows(items.map((item) => item.body)).windows) {
    if (!key.startsWith(`${STORE}@`)) continue;
    total.orders += result.orders;
    total.revenueCents += result.revenueCents;
  }
  return total;
}

function order(version: 2 | 3, eventId: string, total: string): Record<string, unknown> {
  const event = orderEvent(version, { eventId, total });
  return { ...event, occurred_at: new Date('2026-03-01T12:00:10.000Z'), payload: { ...(event.payload as object), store_id: STORE } };
}

/** Records of the topic the processor's consumer group has not committed yet. */
async function committedLag(): Promise<number> {
  const admin = target!.kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId: 'rtp-order-analytics', topics: [TOPIC] });
    return ends.reduce((lag, end) => {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return lag + Number(end.offset) - Math.max(at, 0);
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

async function inspect(): Promise<InspectReport> {
  return modules.inspectQueue(target!, 'order-analytics', { queue: 'dead-letters', samples: 5 });
}

async function replay(): Promise<ReplayReport> {
  return modules.replayDeadLetters(target!, 'order-analytics', { openProducer: () => modules.kafkaReplayProducer(target!.kafka) });
}

describe('rtp dlq against the local stack', () => {
  it('a dead letter replayed after its cause is fixed reaches its processor exactly once', async () => {
    // Prepare: one order the registry can decode, one written with v3 before v3 was registered
    const first = await startRunner();
    const v2 = parseAvroSchema(subjectVersion('orders', 2));
    const v3 = parseAvroSchema(subjectVersion('orders', 3));
    await producer!.send({
      topic: TOPIC,
      acks: -1,
      messages: [
        { key: 'o-1', value: writeGlueFrame(v2Id, v2.toBuffer(order(2, 'evt-dlq-1', '10.00'))) },
        { key: 'o-2', value: writeGlueFrame(v3Id, v3.toBuffer(order(3, 'evt-dlq-2', '2.50'))), headers: { 'trace-id': 't-2' } },
      ],
    });
    let parked: InspectReport | undefined;
    await modules.waitUntil(
      async () => {
        parked = await inspect();
        return parked.scanned === 1;
      },
      { what: 'the v3 order in the dead-letter queue', timeoutMs: 60_000, pollMs: 500 },
    );
    await modules.waitUntil(async () => (await storeRevenue()).orders === 1, { what: 'the v2 order counted', timeoutMs: 30_000, pollMs: 250 });

    // inspect showed it with its reason and the decode error, and consumed nothing
    expect(parked).toMatchObject({ byReason: { SCHEMA_NOT_FOUND: 1 }, byTopic: { orders: 1 } });
    expect(parked?.samples[0]).toMatchObject({
      kind: 'dead-letter',
      reason: 'SCHEMA_NOT_FOUND',
      schemaVersionId: v3Id,
      key: { text: 'o-2' },
      headers: { 'trace-id': 't-2' },
      value: { decoded: false, decodeError: expect.stringMatching(/^SCHEMA_NOT_FOUND/) as unknown },
    });
    expect((await inspect()).scanned).toBe(1);
    expect(await storeRevenue()).toEqual({ orders: 1, revenueCents: 1000 });

    // Act: fix the cause (register v3), then replay. The processor is restarted
    // so that its remembered "not found" (60 s in CachedSchemaRegistry) is gone,
    // as a deployment of the fix would do.
    await first.stop();
    await seedMoto(SEED);
    const registered = await glue.send(new RegisterSchemaVersionCommand({ SchemaId: { RegistryName: REGISTRY, SchemaName: 'orders' }, SchemaDefinition: subjectVersion('orders', 3) }));
    await seedMoto(randomInt(1, 2 ** 31));
    expect(registered.SchemaVersionId).toBe(v3Id);
    expect((await inspect()).samples[0]).toMatchObject({ value: { decoded: true, format: 'glue', value: { event_id: 'evt-dlq-2' } } });
    await startRunner();
    // A first replay dies between the acknowledged produce and the delete, as a
    // crash would: the record is in Kafka twice after the next replay, and only
    // order-analytics' event-id dedup keeps it from counting twice.
    const crashed = await modules.replayDeadLetters(target!, 'order-analytics', {
      openProducer: async () => {
        const real = await modules.kafkaReplayProducer(target!.kafka);
        return {
          send: async (records) => {
            await real.send(records);
            throw new Error('crashed after the acknowledgement');
          },
          close: () => real.close(),
        };
      },
    });
    expect(crashed).toMatchObject({ replayed: [], error: expect.stringMatching(/crashed after the acknowledgement/) as unknown });
    await modules.waitUntil(async () => (await storeRevenue()).orders === 2, { what: 'the first produce counted', timeoutMs: 30_000, pollMs: 250 });
    const report = await replay();

    // Assess: counted once, the queue is empty, and a second replay finds nothing
    expect(report).toMatchObject({ replayed: [{ reason: 'SCHEMA_NOT_FOUND', topic: TOPIC }], duplicatesDeleted: 0, unresolved: [], notDeleted: 0 });
    expect(report.error).toBeUndefined();
    expect((await inspect()).scanned).toBe(0);
    expect((await replay()).replayed).toEqual([]);
    // The second copy reached the processor (its partition's end offset is committed) and changed nothing.
    await modules.waitUntil(async () => (await committedLag()) === 0, { what: 'order-analytics caught up', timeoutMs: 30_000, pollMs: 250 });
    expect(await storeRevenue()).toEqual({ orders: 2, revenueCents: 1250 });
    expect((await inspect()).scanned).toBe(0);
  }, 180_000);
});
