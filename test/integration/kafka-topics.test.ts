// The KafkaTopics custom resource's handler against a real broker (the local
// one from scripts/devstack/kafka.ts): what it plans, Kafka accepts, and a
// refused change leaves the cluster exactly as it was. Locally there is no
// IAM listener, so the injectable admin factory hands it a plain client.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ConfigResourceTypes } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopicPlanError, TopicPlanErrorReason } from '../../functions/kafka-topics/errors.js';
import { createTopicsResourceHandler } from '../../functions/kafka-topics/topics-resource.js';
import type { TopicsSpec } from '../../functions/kafka-topics/topic-spec.js';
import { kafkaClient, startKafka } from '../../scripts/devstack/kafka.js';
import type { LocalKafka } from '../../scripts/devstack/kafka.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { caught } from '../helpers/caught.js';

const DATA_DIR = join(RTP, 'test-kafka-topics', String(process.pid));
// The first run fetches Kafka with Maven (about 45 MB).
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
const CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:111111111111:cluster/local/0000';
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

let kafka: LocalKafka;
let inspector: Admin;

beforeAll(async () => {
  kafka = await startKafka({ dataDir: DATA_DIR, fresh: true, onProgress: progress });
  inspector = kafkaClient(kafka.bootstrapServers, 'kafka-topics-inspector').admin();
  await inspector.connect();
}, FIRST_START_TIMEOUT_MS);

afterAll(async () => {
  await inspector?.disconnect();
  await kafka?.stop();
  await rm(DATA_DIR, { recursive: true, force: true });
});

const handler = createTopicsResourceHandler((brokers) => kafkaClient(brokers, 'kafka-topics-resource').admin(), { info: () => undefined });

function spec(topics: TopicsSpec['topics']): TopicsSpec {
  return { clusterKind: 'provisioned', tieredStorage: false, topics };
}

function deploy(requestType: 'Create' | 'Update', topics: TopicsSpec['topics']): Promise<unknown> {
  const properties = { ServiceToken: 'token', BootstrapBrokers: kafka.bootstrapServers, ClusterArn: CLUSTER_ARN, Spec: JSON.stringify(spec(topics)) };
  const common = {
    ServiceToken: 'token',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'Topics',
    ResourceType: 'Custom::KafkaTopics',
    ResourceProperties: properties,
  };
  const event: CloudFormationCustomResourceEvent =
    requestType === 'Create'
      ? { ...common, RequestType: 'Create' }
      : { ...common, RequestType: 'Update', PhysicalResourceId: `${CLUSTER_ARN}/topics`, OldResourceProperties: properties };
  return handler(event);
}

async function topicState(topic: string): Promise<{ partitions: number; configs: Record<string, string> }> {
  const metadata = await inspector.fetchTopicMetadata({ topics: [topic] });
  const described = await inspector.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy', 'min.insync.replicas'] }],
    includeSynonyms: false,
  });
  const entries = described.resources[0]?.configEntries ?? [];
  return {
    partitions: metadata.topics[0]?.partitions.length ?? 0,
    configs: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
  };
}

const ORDERS = { partitions: 3, replicationFactor: 1, minInSyncReplicas: 1, retentionHours: 168, cleanupPolicy: 'delete' } as const;
const MOVEMENTS = { partitions: 2, replicationFactor: 1, minInSyncReplicas: 1, retentionHours: -1, cleanupPolicy: 'compact' } as const;

describe('KafkaTopics handler on a real broker', () => {
  it('creates the topics with their partitions and configs', async () => {
    await deploy('Create', { orders: ORDERS, 'stock-movements': MOVEMENTS });

    expect(await topicState('orders')).toEqual({ partitions: 3, configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'min.insync.replicas': '1' } });
    expect(await topicState('stock-movements')).toEqual({ partitions: 2, configs: { 'retention.ms': '-1', 'cleanup.policy': 'compact', 'min.insync.replicas': '1' } });
  });

  it('is a no-op when deployed again unchanged', async () => {
    const response = await deploy('Update', { orders: ORDERS, 'stock-movements': MOVEMENTS });

    expect(response).toMatchObject({ Data: { Created: '', PartitionsAdded: '', ConfigsAltered: '' } });
  });

  it('increases partitions and alters retention in place', async () => {
    await deploy('Update', { orders: { ...ORDERS, partitions: 6, retentionHours: 24 }, 'stock-movements': MOVEMENTS });

    expect(await topicState('orders')).toEqual({ partitions: 6, configs: { 'retention.ms': '86400000', 'cleanup.policy': 'delete', 'min.insync.replicas': '1' } });
  });

  it('refuses a partition shrink with a clear error and changes nothing, not even the other changes asked for', async () => {
    const before = { orders: await topicState('orders'), movements: await topicState('stock-movements') };

    const error = await caught(deploy('Update', { orders: { ...ORDERS, partitions: 2, retentionHours: 1 }, 'stock-movements': { ...MOVEMENTS, partitions: 4 } }));

    expect(error).toBeInstanceOf(TopicPlanError);
    expect(error).toMatchObject({ reason: TopicPlanErrorReason.PARTITIONS_SHRINK, topic: 'orders', current: 6, requested: 2 });
    expect((error as Error).message).toMatch(/Topic 'orders' has 6 partitions and the config asks for 2: Kafka cannot remove partitions/);
    expect({ orders: await topicState('orders'), movements: await topicState('stock-movements') }).toEqual(before);
  });
});
