// `rtp produce` against a local Kafka and moto's Glue Schema Registry with
// the subjects of schemas/ registered: the records it writes are what a
// processor decodes (the pipeline's own decoder, writer schema fetched from
// the registry by the id in the frame), keyed as asked, at no more than the
// requested rate; and it refuses, saying what to do, a version the registry
// does not have and a topic the broker does not have.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedSchemaRegistry } from '../../functions/core/serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../../functions/core/serde/glue-schema-registry-client.js';
import { RecordDecoder } from '../../functions/core/serde/record-decoder.js';
import { subjectSchema } from '../../functions/core/serde/subject-schema.js';
import { CliError } from '../../scripts/cli/cli-error.js';
import { localTarget, type PipelineTarget } from '../../scripts/cli/ops/pipeline-target.js';
import { produceLoad } from '../../scripts/cli/produce/load-generator.js';
import { kafkaClient, readTopic, startKafka, type LocalKafka, type TopicRecord } from '../../scripts/devstack/kafka.js';
import { LOCAL_AWS, startMoto, type Moto } from '../../scripts/devstack/moto.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { LOCAL_REGISTRY_NAME } from '../../scripts/reference/provision.js';
import { registerSubjects, type RegisteredSubjects } from '../../scripts/reference/schemas.js';
import { caught } from '../helpers/caught.js';

const DATA_DIR = join(RTP, 'test-kafka', `produce-${process.pid}`);
// The first run fetches Kafka with Maven and installs moto with pip.
const COLD_START_TIMEOUT_MS = 10 * 60_000;
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

let kafka: LocalKafka | undefined;
let moto: Moto | undefined;
let admin: Admin | undefined;
let target: PipelineTarget;
let registered: RegisteredSubjects;
let glue: GlueClient;

beforeAll(async () => {
  [kafka, moto] = await Promise.all([startKafka({ dataDir: DATA_DIR, fresh: true, onProgress: progress }), startMoto({ onProgress: progress })]);
  registered = await registerSubjects({ motoEndpoint: moto.endpoint, registryName: LOCAL_REGISTRY_NAME });
  admin = kafkaClient(kafka.bootstrapServers, 'produce-test-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: ['orders', 'stock-movements'].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
  target = localTarget({
    kafka: { bootstrapServers: kafka.bootstrapServers, port: kafka.port, pid: kafka.pid, logPath: '' },
    moto: { endpoint: moto.endpoint, port: moto.port, pid: moto.pid, logPath: '' },
    // Not used by produce.
    elasticmq: { endpoint: 'http://127.0.0.1:9', port: 9, pid: 0, logPath: '' },
    dynamodb: { endpoint: 'http://127.0.0.1:9', port: 9, pid: 0, logPath: '' },
  });
  glue = new GlueClient({ endpoint: moto.endpoint, ...LOCAL_AWS });
}, COLD_START_TIMEOUT_MS);

afterAll(async () => {
  target?.close();
  glue?.destroy();
  await admin?.disconnect();
  await Promise.all([kafka?.stop(), moto?.stop()]);
  await rm(DATA_DIR, { recursive: true, force: true });
}, 120_000);

async function decodeAll(records: readonly TopicRecord[], subject: string): Promise<Array<{ schemaVersionId?: string; value: unknown; key: string | null }>> {
  const decoder = new RecordDecoder({
    registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue, registryName: LOCAL_REGISTRY_NAME })),
    readerSchema: subjectSchema(subject),
  });
  return Promise.all(records.map(async (r) => ({ ...(await decoder.decode(r.value)), key: r.key?.toString() ?? null })));
}

describe('rtp produce', () => {
  it('writes count order events the pipeline decoder reads, framed with the registered v3 id, keyed by order id, at no more than the rate', async () => {
    const summary = await produceLoad(target, { topic: 'orders', subject: 'orders', rate: 400, count: 600, seed: 11, quiet: true });

    expect(summary).toMatchObject({ topic: 'orders', subject: 'orders', version: 3, seed: 11, keyField: 'payload.order_id', records: 600, errors: 0, requestedRate: 400 });
    expect(summary.schemaVersionId).toBe(registered.get('orders')?.get(3));
    // Paced, not a benchmark: the bucket starts empty, so 600 at 400/s take at least 1.5 s.
    expect(summary.achievedRate).toBeLessThanOrEqual(400 * 1.05);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(1_400);

    const decoded = await decodeAll(await readTopic(kafka?.bootstrapServers ?? '', 'orders'), 'orders');
    expect(decoded).toHaveLength(600);
    expect(new Set(decoded.map((d) => d.schemaVersionId))).toEqual(new Set([summary.schemaVersionId]));
    const events = decoded.map((d) => ({ key: d.key, value: d.value as { event_id: string; schema_version: number; payload: { order_id: string; total: string; lines: unknown[] } } }));
    for (const { key, value } of events) {
      expect(key).toBe(value.payload.order_id);
      expect(value.schema_version).toBe(3);
      expect(value.payload.total).toMatch(/^\d+\.\d{2}$/);
      expect(value.payload.lines.length).toBeGreaterThan(0);
    }
    expect(new Set(events.map((e) => e.value.event_id)).size).toBe(600);
  });

  it('writes random valid records of any subject and version, keyed by the field named', async () => {
    const summary = await produceLoad(target, { topic: 'stock-movements', subject: 'stock-movements', version: 1, keyField: 'sku', rate: 1_000, count: 50, seed: 3, quiet: true });

    expect(summary).toMatchObject({ records: 50, errors: 0, version: 1, keyField: 'sku' });
    const decoded = await decodeAll(await readTopic(kafka?.bootstrapServers ?? '', 'stock-movements'), 'stock-movements');
    expect(decoded).toHaveLength(50);
    for (const d of decoded) {
      expect(d.schemaVersionId).toBe(registered.get('stock-movements')?.get(1));
      expect(d.key).toBe((d.value as { sku: string }).sku);
      expect((d.value as { occurred_at: Date }).occurred_at).toBeInstanceOf(Date);
    }
  });

  it('refuses a version the registry does not have, saying to run rtp schema register', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtp-produce-'));
    try {
      await cp(join(process.cwd(), 'schemas'), dir, { recursive: true });
      const v4 = JSON.parse(subjectSchema('orders', 3)) as { fields: unknown[] };
      v4.fields.push({ name: 'channel_hint', type: ['null', 'string'], default: null });
      await writeFile(join(dir, 'orders', 'v4.avsc'), JSON.stringify(v4, null, 2));

      const error = await caught(produceLoad(target, { topic: 'orders', rate: 10, count: 1, schemasDir: dir, quiet: true }));

      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toMatch(/orders v4 .* is not registered in registry realtime-pipeline-local on the local stack: run `rtp schema register`/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a topic the broker does not have', async () => {
    const error = await caught(produceLoad(target, { topic: 'no-such-topic', subject: 'orders', rate: 10, count: 1, quiet: true }));
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/Topic no-such-topic is not on the local stack/);
  });
});
