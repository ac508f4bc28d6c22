import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { dev } from '../../lib/config/dev.js';
import { validateEnvironmentConfig } from '../../lib/config/environments.js';
import { prod } from '../../lib/config/prod.js';
import { NetworkStack } from '../../lib/stacks/network-stack.js';
import { StreamingStack } from '../../lib/stacks/streaming-stack.js';
import { consumerRole, devConfig, prodConfig, synthStreaming } from './helpers/streaming-fixtures.js';

describe('KafkaTopics', () => {
  it('hands the config\'s topics and the IAM bootstrap brokers to the custom resource', () => {
    const { template } = synthStreaming(prodConfig);

    template.hasResourceProperties('Custom::KafkaTopics', {
      BootstrapBrokers: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskBootstrapBrokers'), 'BootstrapBrokerStringSaslIam'] },
      ClusterArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskCluster'), 'Arn'] },
      Spec: Match.serializedJson({
        clusterKind: 'provisioned',
        tieredStorage: true,
        topics: {
          orders: { partitions: 12, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: 168, cleanupPolicy: 'delete', localRetentionHours: 24 },
          'stock-movements': { partitions: 12, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: 168, cleanupPolicy: 'delete', localRetentionHours: 24 },
        },
      }),
    });
  });

  it('runs the handler on ARM64 Node.js 24 in the private subnets with the client security group', () => {
    const { template } = synthStreaming(prodConfig);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'KafkaTopics custom resource for MSK cluster realtime-pipeline-prod',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MskClientSecurityGroup'), 'GroupId'] }], SubnetIds: Match.anyValue() },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('TopicsHandlerLogs') } },
    });
  });

  it('lets the handler manage exactly the config\'s topics', () => {
    const { template } = synthStreaming(prodConfig);

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('TopicsHandlerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskCluster'), 'Arn'] } }),
          Match.objectLike({
            Action: Match.arrayWith(['kafka-cluster:CreateTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:AlterTopicDynamicConfiguration']),
            Resource: [Match.objectLike({ 'Fn::Join': Match.anyValue() }), Match.objectLike({ 'Fn::Join': Match.anyValue() })],
          }),
        ]),
      },
    });
  });

  it('keeps topics on stack delete (the resource does nothing on Delete) and is what topicsReady waits for', () => {
    const { stack: consumer, role, streaming } = consumerRole();

    role.node.addDependency(streaming.kafka.topicsReady);

    const roleResource = Object.values(Template.fromStack(consumer).findResources('AWS::IAM::Role'))[0] as { DependsOn?: string[] };
    expect(consumer.dependencies).toContain(streaming);
    expect(roleResource.DependsOn ?? []).toEqual([]);
  });

  it('gives tiered topics a local retention, the configured one or a day, so brokers do not keep the whole retention', () => {
    const topics = { ...prod.topics, orders: { ...prod.topics.orders!, localRetentionHours: 6, localRetentionBytes: 10_737_418_240 } };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = validateEnvironmentConfig('prod', { ...prod, topics });
    const network = new NetworkStack(app, 'realtime-pipeline-prod-network', { config });
    const template = Template.fromStack(new StreamingStack(app, 'realtime-pipeline-prod-streaming', { config, vpc: network.vpc }));

    const [resource] = Object.values(template.findResources('Custom::KafkaTopics')) as { Properties: { Spec: string } }[];
    const spec = JSON.parse(resource!.Properties.Spec) as { topics: Record<string, Record<string, unknown>> };
    expect(spec.topics.orders).toMatchObject({ localRetentionHours: 6, localRetentionBytes: 10_737_418_240 });
    expect(spec.topics['stock-movements']).toMatchObject({ localRetentionHours: 24 });
    expect(spec.topics['stock-movements']).not.toHaveProperty('localRetentionBytes');
  });

  it('sends no local retention where the cluster has no tiered storage', () => {
    const { template } = synthStreaming(devConfig);
    const [resource] = Object.values(template.findResources('Custom::KafkaTopics')) as { Properties: { Spec: string } }[];
    expect(resource!.Properties.Spec).not.toContain('localRetention');
  });

  it('fails synth when a tiered topic keeps segments locally as long as in total', () => {
    const topics = { ...prod.topics, orders: { ...prod.topics.orders!, localRetentionHours: 168 } };
    expect(() => validateEnvironmentConfig('prod', { ...prod, topics })).toThrow(
      /topics\.orders\.localRetentionHours: must be less than retentionHours \(168\): MSK refuses a local retention equal to or above the topic's retention \(got 168\)/,
    );
  });

  it("fails synth when a tiered topic asks for Kafka's -2, which keeps every segment on the brokers", () => {
    const topics = { ...prod.topics, orders: { ...prod.topics.orders!, localRetentionHours: -2 } };
    expect(() => validateEnvironmentConfig('prod', { ...prod, topics })).toThrow(/topics\.orders\.localRetentionHours: must be at least 1 hour: Kafka's -2 .* \(got -2\)/);
  });

  it('fails synth when a tiered topic retains less than the 3 days MSK requires', () => {
    const topics = { ...prod.topics, orders: { ...prod.topics.orders!, retentionHours: 48 } };
    expect(() => validateEnvironmentConfig('prod', { ...prod, topics })).toThrow(/topics\.orders\.retentionHours: must be -1 or at least 72 \(3 days\) on a topic in tiered storage, MSK's minimum \(got 48\)/);
  });

  it('fails synth when a local retention is set on a topic that is not in tiered storage', () => {
    const topics = { ...dev.topics, orders: { ...dev.topics.orders!, localRetentionBytes: 1024 } };
    expect(() => validateEnvironmentConfig('dev', { ...dev, topics })).toThrow(
      /topics\.orders\.localRetentionBytes: only applies to a topic in tiered storage: msk\.kind 'provisioned' with msk\.tieredStorage true, and cleanupPolicy 'delete' \(got 1024\)/,
    );
  });

  it('fails synth when a topic asks MSK Serverless for a min ISR other than 2', () => {
    const topics = { orders: { partitions: 3, replicationFactor: 3, minInSyncReplicas: 1, retentionHours: 24, cleanupPolicy: 'delete' } } as const;
    expect(() => validateEnvironmentConfig('dev', { ...dev, topics, processors: {}, cdc: { engine: 'none' } })).toThrow(
      /topics\.orders\.minInSyncReplicas: must be 2 on serverless MSK, which fixes it \(got 1\)/,
    );
  });
});
