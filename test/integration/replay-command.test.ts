// `rtp replay` on a local Kafka, moto, ElasticMQ and DynamoDB Local: inventory-projector
// rebuilt as state version 2 from a timestamp in the middle of its topic,
// with the broker stopped and started again on the same data while the new
// version is reprocessing. The new table must hold exactly the movements at
// or after the timestamp (none lost, none twice), the switch must be
// recorded, and the serving table must be left as it was.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Partitioners, type Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rollupTotals } from '../../functions/core/state/rollup-totals.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import type { PipelineTarget } from '../../scripts/cli/ops/pipeline-target.js';
import type { ElasticMq } from '../../scripts/devstack/elasticmq.js';
import type { LocalKafka, startKafka as startKafkaFn } from '../../scripts/devstack/kafka.js';
import type { Moto } from '../../scripts/devstack/moto.js';
import { removeStackState, useStackStateDir } from '../helpers/stack-state.js';
import { stockMovementInsert } from '../helpers/debezium-stock-movement.js';

const STATE_DIR = fileURLToPath(new URL(`../../.rtp/test-replay-${process.pid}`, import.meta.url));
const KAFKA_DIR = join(STATE_DIR, 'kafka');
const VERSIONS = join(STATE_DIR, 'state-versions.json');
const TOPIC = 'stock-movements';
const PROCESSOR = 'inventory-projector';
const MOVEMENTS = 400;
const FROM_INDEX = 200;
const SKUS = ['SKU-A', 'SKU-B', 'SKU-C', 'SKU-D', 'SKU-E'];
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

const delta = (i: number): number => (i % 7) + 1;
const movement = (i: number) => stockMovementInsert(5_000 + i * 10, 10_000 + i, SKUS[i % SKUS.length] as string, delta(i));

let restoreStateDir: () => void = () => undefined;
let kafka: LocalKafka | undefined;
let moto: Moto | undefined;
let elasticMq: ElasticMq | undefined;
let target: PipelineTarget | undefined;
let dynamodb: DynamoDBClient;
let endpoints: { kafka: { bootstrapServers: string }; moto: { endpoint: string }; elasticmq: { endpoint: string }; dynamodb: { endpoint: string } };
let startKafka: typeof startKafkaFn;
const base = Date.now() - 3_600_000;

beforeAll(async () => {
  // Before any scripts/devstack module loads: paths.ts reads it once, at import (logs and state versions go there).
  restoreStateDir = useStackStateDir(STATE_DIR);
  const kafkaModule = await import('../../scripts/devstack/kafka.js');
  const { startMoto, LOCAL_AWS } = await import('../../scripts/devstack/moto.js');
  const { startElasticMq } = await import('../../scripts/devstack/elasticmq.js');
  const { localTarget } = await import('../../scripts/cli/ops/pipeline-target.js');
  startKafka = kafkaModule.startKafka;
  [kafka, moto, elasticMq] = await Promise.all([
    kafkaModule.startKafka({ dataDir: KAFKA_DIR, fresh: true, onProgress: progress }),
    startMoto({ onProgress: progress }),
    startElasticMq({ onProgress: progress }),
  ]);
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  endpoints = { kafka: { bootstrapServers: kafka.bootstrapServers }, moto: { endpoint: moto.endpoint }, elasticmq: { endpoint: elasticMq.endpoint }, dynamodb: { endpoint: dynamodbEndpoint } };
  target = localTarget({
    kafka: { bootstrapServers: kafka.bootstrapServers, port: kafka.port, pid: kafka.pid, logPath: '' },
    moto: { endpoint: moto.endpoint, port: moto.port, pid: moto.pid, logPath: '' },
    elasticmq: { endpoint: elasticMq.endpoint, port: elasticMq.port, pid: elasticMq.pid, logPath: elasticMq.logPath },
    dynamodb: { endpoint: dynamodbEndpoint, port: Number(new URL(dynamodbEndpoint).port), pid: 0, logPath: '' },
  });

  // Provisioned as the local stack does: topic, queues, the serving (version 1) table.
  const client = kafkaModule.kafkaClient(kafka.bootstrapServers, 'replay-test');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const sqs = new SQSClient({ endpoint: elasticMq.endpoint, ...LOCAL_AWS });
  for (const name of [`${PROCESSOR}-dlq`, `${PROCESSOR}-on-failure`]) await sqs.send(new CreateQueueCommand({ QueueName: name }));
  sqs.destroy();
  dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, ...LOCAL_AWS });
  for (const table of [PROCESSOR, `${PROCESSOR}-v2`]) await dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  await createStateTable(dynamodb, PROCESSOR);
  await dynamodb.send(new PutItemCommand({ TableName: PROCESSOR, Item: { pk: { S: 'sentinel' }, sk: { S: 'version-1' } } }));

  // Movements one second apart, oldest an hour ago.
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages: Message[] = Array.from({ length: MOVEMENTS }, (_, i) => ({ key: SKUS[i % SKUS.length] ?? '', value: JSON.stringify(movement(i)), timestamp: String(base + i * 1_000) }));
  await producer.send({ topic: TOPIC, acks: -1, messages });
  await producer.disconnect();
}, 10 * 60_000);

afterAll(async () => {
  target?.close();
  for (const table of [PROCESSOR, `${PROCESSOR}-v2`]) await dynamodb?.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  dynamodb?.destroy();
  await kafka?.stop();
  await moto?.stop();
  await elasticMq?.stop();
  await removeStackState(STATE_DIR);
  restoreStateDir();
}, 180_000);

async function stock(table: string): Promise<Record<string, number>> {
  const items = await new DynamoDbStateStore({ client: dynamodb, tableName: table }).scanAll();
  const rows: Array<[string, number]> = [...rollupTotals(items.map((i) => i.body)).values()].map((t): [string, number] => [t.group, Number(t.measures.quantity)]);
  return Object.fromEntries(rows.sort(([a], [b]) => a.localeCompare(b)));
}

describe('rtp replay', () => {
  it('rebuilds the state from a timestamp as version 2 across a Kafka restart, losing no movement and counting none twice', async () => {
    // Prepare
    const { planReplay } = await import('../../scripts/cli/replay/replay-plan.js');
    const { runLocalReplay } = await import('../../scripts/cli/replay/run-local-replay.js');
    const { readStateVersions } = await import('../../scripts/cli/ops/state-versions.js');
    const from = base + FROM_INDEX * 1_000;
    const plan = await planReplay(target!, PROCESSOR, from, { versionsPath: VERSIONS });
    expect(plan).toMatchObject({ currentVersion: 1, newVersion: 2, records: MOVEMENTS - FROM_INDEX });
    expect(plan.next).toMatchObject({ stateTableName: `${PROCESSOR}-v2`, inputs: [{ topic: TOPIC, consumerGroupId: `rtp-${PROCESSOR}-v2` }] });
    const oldTableBefore = await dynamodb.send(new ScanCommand({ TableName: PROCESSOR }));

    // Act: replay, and bounce the broker once the new version has processed its first records
    let processed = 0;
    let processedAtStop: number | undefined;
    let bounce: Promise<void> | undefined;
    const outcome = await runLocalReplay(target!, plan, {
      endpoints,
      versionsPath: VERSIONS,
      timeoutMs: 240_000,
      pollMs: 250,
      log: progress,
      // One record per invocation, so the replay is still under way when the broker goes down.
      processorEnv: { RTP_ESM_BATCH_SIZE: '1', RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '0' },
      onInvoke: (line) => {
        if (line.result === 'SUCCESS') processed += line.records;
        if (bounce === undefined && processed > 0) {
          processedAtStop = processed;
          const before = kafka!;
          bounce = before.stop().then(async () => {
            progress(`kafka stopped after ${processedAtStop} record(s) of the replay`);
            kafka = await startKafka({ dataDir: KAFKA_DIR, onProgress: progress });
          });
        }
      },
    });
    await bounce;

    // Assess
    const expected: Record<string, number> = {};
    for (let i = FROM_INDEX; i < MOVEMENTS; i += 1) {
      const key = JSON.stringify([SKUS[i % SKUS.length], 'store-1']);
      expected[key] = (expected[key] ?? 0) + delta(i);
    }
    expect(processedAtStop).toBeLessThan(MOVEMENTS - FROM_INDEX);
    expect(await stock(`${PROCESSOR}-v2`)).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
    expect(outcome).toMatchObject({ reprocessed: MOVEMENTS - FROM_INDEX, switched: { version: 2, stateTableName: `${PROCESSOR}-v2`, consumerGroupIds: [`rtp-${PROCESSOR}-v2`] } });
    expect(readStateVersions(VERSIONS)[PROCESSOR]).toMatchObject({ version: 2, stateTableName: `${PROCESSOR}-v2`, from: new Date(from).toISOString() });
    expect((await dynamodb.send(new ScanCommand({ TableName: PROCESSOR }))).Items).toEqual(oldTableBefore.Items);
    expect(oldTableBefore.Items).toHaveLength(1);
  }, 300_000);

  it('restarts a processor killed mid-replay and still counts every movement once, as version 3', async () => {
    // Prepare: runs after the first replay switched to version 2.
    const { planReplay } = await import('../../scripts/cli/replay/replay-plan.js');
    const { runLocalReplay } = await import('../../scripts/cli/replay/run-local-replay.js');
    const fromIndex = FROM_INDEX + 50;
    const plan = await planReplay(target!, PROCESSOR, base + fromIndex * 1_000, { versionsPath: VERSIONS });
    expect(plan).toMatchObject({ currentVersion: 2, newVersion: 3, records: MOVEMENTS - fromIndex });

    // Act: SIGKILL the processor process (started by this replay, found by its pid) after its first records.
    let processed = 0;
    let killed: number | undefined;
    let pid: number | undefined;
    const outcome = await runLocalReplay(target!, plan, {
      endpoints,
      versionsPath: VERSIONS,
      timeoutMs: 240_000,
      pollMs: 250,
      log: (line) => {
        progress(line);
        const started = /\(pid (\d+),/.exec(line);
        if (started !== null) pid = Number(started[1]);
      },
      processorEnv: { RTP_ESM_BATCH_SIZE: '1', RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '0' },
      onInvoke: (line) => {
        if (line.result === 'SUCCESS') processed += line.records;
        if (killed === undefined && processed >= 5 && pid !== undefined) {
          killed = processed;
          process.kill(pid, 'SIGKILL');
        }
      },
    });

    // Assess
    const expected: Record<string, number> = {};
    for (let i = fromIndex; i < MOVEMENTS; i += 1) {
      const key = JSON.stringify([SKUS[i % SKUS.length], 'store-1']);
      expected[key] = (expected[key] ?? 0) + delta(i);
    }
    expect(killed).toBeLessThan(MOVEMENTS - fromIndex);
    expect(outcome.restarts).toBeGreaterThanOrEqual(1);
    expect(await stock(`${PROCESSOR}-v3`)).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
    expect(outcome).toMatchObject({ reprocessed: MOVEMENTS - fromIndex, switched: { version: 3, stateTableName: `${PROCESSOR}-v3` } });
  }, 300_000);
});
