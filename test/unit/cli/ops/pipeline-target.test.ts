import { GetBootstrapBrokersCommand, KafkaClient, ListClustersV2Command } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsTarget, localTarget } from '../../../../scripts/cli/ops/pipeline-target.js';

const msk = mockClient(KafkaClient);

afterEach(() => {
  msk.reset();
  delete process.env.AWS_REGION;
});

const endpoints = {
  kafka: { bootstrapServers: '127.0.0.1:1', port: 1, pid: 1, logPath: '' },
  moto: { endpoint: 'http://127.0.0.1:2', port: 2, pid: 2, logPath: '' },
  elasticmq: { endpoint: 'http://127.0.0.1:4', port: 4, pid: 4, logPath: '' },
  dynamodb: { endpoint: 'http://127.0.0.1:3', port: 3, pid: 3, logPath: '' },
};

describe('pipeline targets', () => {
  it('finds a deployed processor by the names the CDK stacks give it, without calling AWS', () => {
    process.env.AWS_REGION = 'eu-west-1';
    const target = awsTarget('staging');
    try {
      expect(target.label).toBe('aws staging (eu-west-1)');
      expect(target.registryName).toBe('realtime-pipeline-staging');
      expect(target.topicSubjects).toEqual({ orders: 'orders' });
      expect(target.processor('order-analytics')).toEqual({
        processor: 'order-analytics',
        inputs: [{ topic: 'orders', consumerGroupId: 'realtime-pipeline-staging-order-analytics' }],
        stateTableName: 'realtime-pipeline-staging-order-analytics-state',
        deadLetterQueueName: 'staging-order-analytics-dead-letters',
        onFailureQueueName: 'staging-order-analytics-on-failure',
      });
      expect(msk.calls()).toHaveLength(0);
    } finally {
      target.close();
    }
  });

  it('throws naming the known processors for an unknown one', () => {
    const target = localTarget(endpoints);
    try {
      expect(() => target.processor('payments')).toThrow("Unknown processor 'payments' on the local stack; known: inventory-projector, order-analytics");
      expect(target.processor('inventory-projector').inputs).toEqual([{ topic: 'stock-movements', consumerGroupId: 'rtp-inventory-projector' }]);
    } finally {
      target.close();
    }
  });

  it('refuses an environment without a region, saying where to set one', () => {
    const saved = process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => awsTarget('dev')).toThrow(/Environment dev names no region: set AWS_REGION or 'region' in lib\/config\/dev\.ts/);
    } finally {
      if (saved !== undefined) process.env.AWS_DEFAULT_REGION = saved;
    }
  });

  it('looks the MSK brokers up by cluster name on first connect, and says what to check when the cluster is missing', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    msk.on(ListClustersV2Command).resolves({ ClusterInfoList: [] });
    const target = awsTarget('prod');
    const admin = target.kafka.admin();
    try {
      await expect(admin.connect()).rejects.toThrow(/MSK cluster realtime-pipeline-prod was not found in eu-west-1/);
      expect(msk.commandCalls(ListClustersV2Command)[0]?.args[0].input).toEqual({ ClusterNameFilter: 'realtime-pipeline-prod' });
      expect(msk.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(0);
    } finally {
      target.close();
    }
  });
});
