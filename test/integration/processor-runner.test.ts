// A processor as its own process, as on AWS: the inventory-projector handler
// module configured by environment alone, fed by the local event source
// mapping, against a whole local stack. Covers dead-lettering, duplicates,
// graceful stop, and a SIGKILL mid-stream followed by a restart that resumes
// without counting anything twice.
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupTotals } from '../../functions/core/state/rollup-totals.js';
import { parseDeadLetter, type DeadLetter } from '../../functions/core/dlq/envelope.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import type { InvokeLine, RunningProcessor, StartProcessorOptions } from '../../scripts/lambda-emulator/processor-runner.js';
import type { waitUntil as waitUntilFn } from '../../scripts/devstack/processes.js';
import { RETAIL_DATABASE } from '../../scripts/reference/retail-database.js';
import type { RunningStack } from '../../scripts/devstack/stack.js';
import { removeStackState, useStackStateDir } from '../helpers/stack-state.js';
import { stockMovementInsert } from '../helpers/debezium-stock-movement.js';

const STATE_DIR = fileURLToPath(new URL(`../../.rtp/test-runner-${process.pid}`, import.meta.url));
const TOPIC = 'stock-movements';
const TABLE = 'inventory-projector-state';
// The first run also fetches Kafka, Kafka Connect, DynamoDB Local, ElasticMQ and moto.
const STACK_START_TIMEOUT_MS = 15 * 60_000;

const asMessage = (value: ReturnType<typeof stockMovementInsert>): Message => ({ key: value.after.sku, value: JSON.stringify(value) });

interface Modules {
  readonly startProcessor: (options: StartProcessorOptions) => Promise<RunningProcessor>;
  readonly waitUntil: typeof waitUntilFn;
}

let restoreStateDir: () => void = () => undefined;
let modules: Modules;
let stack: RunningStack | undefined;
let kafka: Kafka;
let producer: Producer | undefined;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
let dlqUrl: string;
let runnerEnv: Record<string, string>;
const runners: RunningProcessor[] = [];
const invocations: InvokeLine[] = [];

beforeAll(async () => {
  // Before any scripts/devstack module loads: paths.ts reads it once, at import.
  restoreStateDir = useStackStateDir(STATE_DIR);
  const { startStack } = await import('../../scripts/devstack/stack.js');
  const { waitUntil } = await import('../../scripts/devstack/processes.js');
  const { freeStackPorts } = await import('../../scripts/devstack/free-port-start.js');
  const { kafkaClient } = await import('../../scripts/devstack/kafka.js');
  const { awsEnvironment, LOCAL_AWS } = await import('../../scripts/devstack/moto.js');
  const { startProcessor } = await import('../../scripts/lambda-emulator/processor-runner.js');
  modules = { startProcessor, waitUntil };

  const ports = await freeStackPorts();
  stack = await startStack({ ports, fresh: true, database: RETAIL_DATABASE, onProgress: (line) => void process.stderr.write(`${line}\n`) });
  const { endpoints } = stack;

  kafka = kafkaClient(endpoints.kafka.bootstrapServers, 'processor-runner-test');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // One credential set for moto, ElasticMQ and DynamoDB Local alike: the first two take any, DynamoDB Local wants alphanumeric keys, which these are.
  dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb.endpoint, ...LOCAL_AWS });
  await createStateTable(dynamodb, TABLE);
  sqs = new SQSClient({ endpoint: endpoints.elasticmq.endpoint, ...LOCAL_AWS });
  dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'inventory-projector-dlq' }))).QueueUrl ?? '';
  const onFailureUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'inventory-projector-on-failure' }))).QueueUrl ?? '';

  runnerEnv = {
    ...awsEnvironment(endpoints.moto.endpoint, endpoints.elasticmq.endpoint),
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb.endpoint,
    STATE_TABLE_NAME: TABLE,
    INPUT_PARTITIONS: '3',
    SCHEMA_REGISTRY_NAME: 'realtime-pipeline-local',
    DEAD_LETTER_QUEUE_URL: dlqUrl,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    RTP_KAFKA_BOOTSTRAP_SERVERS: endpoints.kafka.bootstrapServers,
    RTP_ESM_TOPICS: TOPIC,
    RTP_ESM_CONSUMER_GROUP_ID: 'inventory-projector-test',
    // Small batches, so that a kill lands between commits.
    RTP_ESM_BATCH_SIZE: '10',
    RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '20',
    RTP_ESM_RETRY_ATTEMPTS: '3',
    RTP_ESM_BISECT_BATCH_ON_FUNCTION_ERROR: 'true',
    RTP_ESM_ON_FAILURE_QUEUE_URL: onFailureUrl,
  };
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  for (const runner of runners) await runner.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await stack?.stop();
  dynamodb?.destroy();
  sqs?.destroy();
  await removeStackState(STATE_DIR);
  restoreStateDir();
}, 180_000);

async function startRunner(appendLog: boolean): Promise<RunningProcessor> {
  const runner = await modules.startProcessor({ processor: 'inventory-projector', env: runnerEnv, appendLog, onInvoke: (s) => invocations.push(s) });
  runners.push(runner);
  return runner;
}

async function stock(): Promise<Record<string, number>> {
  const items = await new DynamoDbStateStore({ client: dynamodb, tableName: TABLE }).scanAll();
  return Object.fromEntries([...rollupTotals(items.map((i) => i.body)).values()].map((t) => [t.group, Number(t.measures.quantity)]));
}

async function waitForStock(expected: Record<string, number>, what: string): Promise<void> {
  await modules.waitUntil(async () => JSON.stringify(sortKeys(await stock())) === JSON.stringify(sortKeys(expected)), { what, timeoutMs: 60_000, pollMs: 250 });
}

const sortKeys = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

describe('a processor process run by processor-runner', () => {
  it('projects stock from its environment alone, dead-letters a poison record and counts a duplicate once', async () => {
    // Prepare
    const runner = await startRunner(false);
    const first = stockMovementInsert(100, 1, 'SKU-1', 10);

    // Act: a duplicate of the first change (a Debezium redelivery) and a record that is not JSON
    await producer!.send({
      topic: TOPIC,
      acks: -1,
      messages: [asMessage(first), asMessage(stockMovementInsert(110, 2, 'SKU-1', -3)), asMessage(stockMovementInsert(120, 3, 'SKU-2', 4)), asMessage(first), { key: 'SKU-2', value: 'not json {' }],
    });

    // Assess
    await waitForStock({ '["SKU-1","store-1"]': 7, '["SKU-2","store-1"]': 4 }, 'stock of phase 1');
    let letter: DeadLetter | undefined;
    await modules.waitUntil(
      async () => {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const message of received.Messages ?? []) {
          const parsed = parseDeadLetter(message.Body ?? '');
          if ('value' in parsed) letter = parsed;
          await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }));
        }
        return letter !== undefined;
      },
      { what: 'the poison record in the DLQ', timeoutMs: 30_000, pollMs: 250 },
    );
    expect(letter).toMatchObject({ processor: 'inventory-projector', topic: TOPIC });
    expect(Buffer.from(letter?.value ?? '', 'base64').toString()).toBe('not json {');
    const succeeded = invocations.filter((i) => i.result === 'SUCCESS');
    expect(succeeded.reduce((n, i) => n + i.records, 0)).toBe(5);
    for (const i of succeeded) {
      expect(i.latenciesMs).toHaveLength(i.records);
      expect(i.latenciesMs.every((ms) => ms >= 0 && ms < 60_000)).toBe(true);
    }

    // A graceful stop exits 0.
    await runner.stop();
    expect(await runner.exited).toEqual({ code: 0, signal: null });
  });

  it('resumes after a SIGKILL mid-stream without counting a movement twice', async () => {
    // Prepare: 300 movements over 5 SKUs, 60 each
    const skus = ['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E'];
    const messages = Array.from({ length: 300 }, (_, n) => asMessage(stockMovementInsert(1_000 + n * 10, 1_000 + n, skus[n % skus.length]!, 1)));
    const before = invocations.length;
    const runner = await startRunner(true);

    // Act: kill it, without warning, as soon as it has finished some of them; then start another
    await producer!.send({ topic: TOPIC, acks: -1, messages });
    await modules.waitUntil(() => Promise.resolve(invocations.length > before), { what: 'a first invocation of phase 2', timeoutMs: 30_000, pollMs: 10 });
    process.kill(runner.pid, 'SIGKILL');
    expect(await runner.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const doneBeforeKill = invocations.slice(before).reduce((n, i) => n + i.records, 0);
    const restarted = await startRunner(true);

    // Assess
    const expected = { '["SKU-1","store-1"]': 7, '["SKU-2","store-1"]': 4, ...Object.fromEntries(skus.map((s) => [JSON.stringify([s, 'store-1']), 60])) };
    await waitForStock(expected, 'stock after the restart');
    expect(doneBeforeKill).toBeLessThan(300);
    await restarted.stop();
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
    expect(await stock()).toEqual(expected);
  }, 120_000);
});
