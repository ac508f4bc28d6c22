import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { TopicPlanError } from '../../../functions/kafka-topics/errors.js';
import { createTopicsResourceHandler } from '../../../functions/kafka-topics/topics-resource.js';
import type { ConnectableTopicAdmin } from '../../../functions/kafka-topics/topics-resource.js';
import type { TopicsSpec } from '../../../functions/kafka-topics/topic-spec.js';
import { caught } from '../../helpers/caught.js';

const CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:111111111111:cluster/realtime-pipeline-prod/abcd-1234-5';
const BROKERS = 'b-1.example:9098,b-2.example:9098';
const ORDERS = { partitions: 6, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: 168, cleanupPolicy: 'delete' } as const;
const SPEC: TopicsSpec = { clusterKind: 'provisioned', tieredStorage: false, topics: { orders: { ...ORDERS } } };

interface FakeTopic {
  partitions: number;
  replicas: number;
  configs: Record<string, string>;
}

/** A kafkajs admin double over an in-memory cluster, recording every call. */
function fakeAdmin(cluster: Record<string, FakeTopic> = {}) {
  const admin = {
    connect: vi.fn(() => Promise.resolve()),
    disconnect: vi.fn(() => Promise.resolve()),
    listTopics: vi.fn(() => Promise.resolve(Object.keys(cluster))),
    fetchTopicMetadata: vi.fn(({ topics }: { topics: string[] }) =>
      Promise.resolve({
        topics: topics.map((name) => ({
          name,
          partitions: Array.from({ length: cluster[name]!.partitions }, (_, partitionId) => ({
            partitionId,
            leader: 1,
            replicas: Array.from({ length: cluster[name]!.replicas }, (_, i) => i + 1),
            isr: [],
            offlineReplicas: [],
            partitionErrorCode: 0,
          })),
        })),
      }),
    ),
    describeConfigs: vi.fn(({ resources }: { resources: { name: string; configNames: string[] }[] }) =>
      Promise.resolve({
        throttleTime: 0,
        resources: resources.map((r) => ({
          errorCode: 0,
          errorMessage: null,
          resourceName: r.name,
          resourceType: ConfigResourceTypes.TOPIC,
          configEntries: r.configNames
            .filter((n) => cluster[r.name]!.configs[n] !== undefined)
            .map((n) => ({ configName: n, configValue: cluster[r.name]!.configs[n]!, isDefault: false, configSource: 1, isSensitive: false, readOnly: false, configSynonyms: [] })),
        })),
      }),
    ),
    createTopics: vi.fn(() => Promise.resolve(true)),
    createPartitions: vi.fn(() => Promise.resolve(true)),
    alterConfigs: vi.fn(() => Promise.resolve({})),
  };
  return admin;
}

function event(requestType: 'Create' | 'Update' | 'Delete', spec: TopicsSpec = SPEC): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/s/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Topics',
    ResourceType: 'Custom::KafkaTopics',
    ResourceProperties: { ServiceToken: 'token', BootstrapBrokers: BROKERS, ClusterArn: CLUSTER_ARN, Spec: JSON.stringify(spec) },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') return { ...base, RequestType: 'Update', PhysicalResourceId: `${CLUSTER_ARN}/topics`, OldResourceProperties: { ServiceToken: 'token' } };
  return { ...base, RequestType: 'Delete', PhysicalResourceId: `${CLUSTER_ARN}/topics` };
}

function handlerWith(admin: ReturnType<typeof fakeAdmin>) {
  const factory = vi.fn((_brokers: string) => admin as unknown as ConnectableTopicAdmin);
  return { factory, handler: createTopicsResourceHandler(factory, { info: () => undefined }) };
}

describe('KafkaTopics custom resource handler', () => {
  it('creates the missing topics with their configs on Create', async () => {
    const admin = fakeAdmin();
    const { factory, handler } = handlerWith(admin);

    const response = await handler(event('Create'));

    expect(factory).toHaveBeenCalledWith(BROKERS);
    expect(admin.createTopics).toHaveBeenCalledWith({
      waitForLeaders: true,
      topics: [
        {
          topic: 'orders',
          numPartitions: 6,
          replicationFactor: 3,
          configEntries: [
            { name: 'retention.ms', value: '604800000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'min.insync.replicas', value: '2' },
          ],
        },
      ],
    });
    expect(response).toEqual({ PhysicalResourceId: `${CLUSTER_ARN}/topics`, Data: { Created: 'orders', PartitionsAdded: '', ConfigsAltered: '' } });
    expect(admin.disconnect).toHaveBeenCalledOnce();
  });

  it('adds partitions and alters retention on Update, keeping the physical id', async () => {
    const admin = fakeAdmin({ orders: { partitions: 6, replicas: 3, configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } } });
    const { handler } = handlerWith(admin);

    const response = await handler(event('Update', { ...SPEC, topics: { orders: { ...ORDERS, partitions: 12, retentionHours: -1 } } }));

    expect(admin.createTopics).not.toHaveBeenCalled();
    expect(admin.createPartitions).toHaveBeenCalledWith({ topicPartitions: [{ topic: 'orders', count: 12 }] });
    expect(admin.alterConfigs).toHaveBeenCalledWith({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'orders',
          configEntries: [
            { name: 'retention.ms', value: '-1' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'min.insync.replicas', value: '2' },
          ],
        },
      ],
    });
    expect(response.PhysicalResourceId).toBe(`${CLUSTER_ARN}/topics`);
  });

  it('changes nothing when the cluster already matches', async () => {
    const admin = fakeAdmin({ orders: { partitions: 6, replicas: 3, configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } } });
    const { handler } = handlerWith(admin);

    await handler(event('Update'));

    expect(admin.createTopics).not.toHaveBeenCalled();
    expect(admin.createPartitions).not.toHaveBeenCalled();
    expect(admin.alterConfigs).not.toHaveBeenCalled();
  });

  it('refuses a partition shrink, changes nothing and still disconnects', async () => {
    const admin = fakeAdmin({ orders: { partitions: 12, replicas: 3, configs: { 'retention.ms': '1' } } });
    const { handler } = handlerWith(admin);

    const error = await caught(handler(event('Update')));

    expect(error).toBeInstanceOf(TopicPlanError);
    expect((error as Error).message).toMatch(/Topic 'orders' has 12 partitions and the config asks for 6/);
    expect(admin.createPartitions).not.toHaveBeenCalled();
    expect(admin.alterConfigs).not.toHaveBeenCalled();
    expect(admin.disconnect).toHaveBeenCalledOnce();
  });

  it('keeps topics and their data on Delete, without connecting', async () => {
    const admin = fakeAdmin({ orders: { partitions: 6, replicas: 3, configs: {} } });
    const { factory, handler } = handlerWith(admin);

    const response = await handler(event('Delete'));

    expect(response).toEqual({ PhysicalResourceId: `${CLUSTER_ARN}/topics` });
    expect(factory).not.toHaveBeenCalled();
  });

  it('throws naming the property when the bootstrap brokers are missing', async () => {
    const { handler } = handlerWith(fakeAdmin());
    const create = event('Create');

    await expect(handler({ ...create, ResourceProperties: { ...create.ResourceProperties, BootstrapBrokers: '' } })).rejects.toThrow(/BootstrapBrokers property/);
  });
});
