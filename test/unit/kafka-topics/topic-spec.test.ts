import { describe, expect, it } from 'vitest';
import { TopicsSpecError } from '../../../functions/kafka-topics/errors.js';
import { desiredTopics, parseTopicsSpec, planOptions, retentionMs } from '../../../functions/kafka-topics/topic-spec.js';
import type { TopicsSpec } from '../../../functions/kafka-topics/topic-spec.js';

const ORDERS = { partitions: 6, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: 168, cleanupPolicy: 'delete' } as const;

function spec(overrides: Partial<TopicsSpec> = {}): TopicsSpec {
  return { clusterKind: 'provisioned', tieredStorage: false, topics: { orders: { ...ORDERS } }, ...overrides };
}

describe('retentionMs', () => {
  it('converts hours to milliseconds', () => {
    expect(retentionMs(168)).toBe('604800000');
  });

  it('keeps -1 (forever) as -1', () => {
    expect(retentionMs(-1)).toBe('-1');
  });
});

describe('desiredTopics', () => {
  it('sets retention, cleanup policy and min ISR on a provisioned cluster', () => {
    expect(desiredTopics(spec())).toEqual([
      { name: 'orders', partitions: 6, replicationFactor: 3, configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } },
    ]);
  });

  it('leaves min ISR to MSK Serverless, which fixes it', () => {
    const [topic] = desiredTopics(spec({ clusterKind: 'serverless' }));

    expect(topic?.configs).toEqual({ 'retention.ms': '604800000', 'cleanup.policy': 'delete' });
  });

  it('enables remote storage for deletable topics on a tiered cluster, never for compacted ones', () => {
    const topics = desiredTopics(spec({ tieredStorage: true, topics: { orders: { ...ORDERS, localRetentionHours: 24 }, stock: { ...ORDERS, cleanupPolicy: 'compact' } } }));

    expect(topics.find((t) => t.name === 'orders')?.configs['remote.storage.enable']).toBe('true');
    expect(topics.find((t) => t.name === 'stock')?.configs['remote.storage.enable']).toBeUndefined();
  });

  it('bounds what the brokers keep locally on a tiered topic', () => {
    const [topic] = desiredTopics(spec({ tieredStorage: true, topics: { orders: { ...ORDERS, localRetentionHours: 24, localRetentionBytes: 1_073_741_824 } } }));

    expect(topic?.configs).toMatchObject({ 'remote.storage.enable': 'true', 'local.retention.ms': '86400000', 'local.retention.bytes': '1073741824' });
  });

  it('leaves local.retention.bytes to Kafka when the spec sets none', () => {
    const [topic] = desiredTopics(spec({ tieredStorage: true, topics: { orders: { ...ORDERS, localRetentionHours: 6 } } }));

    expect(topic?.configs['local.retention.ms']).toBe('21600000');
    expect(topic?.configs).not.toHaveProperty('local.retention.bytes');
  });

  it('sets no remote or local retention config on a cluster without tiered storage, as a local broker needs', () => {
    const [topic] = desiredTopics(spec({ topics: { orders: { ...ORDERS, localRetentionHours: 24 } } }));

    expect(Object.keys(topic?.configs ?? {}).filter((k) => k.startsWith('remote.') || k.startsWith('local.'))).toEqual([]);
  });

  it('throws when a tiered topic has no local retention, rather than let brokers keep everything', () => {
    expect(() => desiredTopics(spec({ tieredStorage: true }))).toThrow(/Topic 'orders' is in tiered storage and has no localRetentionHours/);
  });
});

describe('planOptions', () => {
  it('lets MSK Serverless alter retention only', () => {
    expect(planOptions('serverless').alterableConfigs).toEqual(['retention.ms']);
  });

  it('lets a provisioned cluster alter every managed config', () => {
    expect(planOptions('provisioned').alterableConfigs).toEqual([
      'retention.ms',
      'cleanup.policy',
      'min.insync.replicas',
      'remote.storage.enable',
      'local.retention.ms',
      'local.retention.bytes',
    ]);
  });
});

describe('parseTopicsSpec', () => {
  it('reads the JSON the construct writes', () => {
    expect(parseTopicsSpec(JSON.stringify(spec()))).toEqual(spec());
  });

  it('throws naming the broken key', () => {
    const broken = JSON.stringify({ ...spec(), topics: { orders: { ...ORDERS, partitions: 0 } } });

    expect(() => parseTopicsSpec(broken)).toThrow(/topics\.orders\.partitions/);
  });

  it('throws when the property is not JSON', () => {
    expect(() => parseTopicsSpec('{')).toThrow(TopicsSpecError);
  });
});
