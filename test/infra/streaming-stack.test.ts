import { App, Aspects, Stack, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { dev } from '../../lib/config/dev.js';
import { validateEnvironmentConfig } from '../../lib/config/environments.js';
import type { EnvironmentConfig } from '../../lib/config/environments.js';
import { prod } from '../../lib/config/prod.js';
import { MskCluster } from '../../lib/constructs/msk-cluster.js';
import type { MskClusterProps } from '../../lib/constructs/msk-cluster.js';
import { NetworkStack } from '../../lib/stacks/network-stack.js';
import { StreamingStack } from '../../lib/stacks/streaming-stack.js';

const prodConfig = validateEnvironmentConfig('prod', prod);
const devConfig = validateEnvironmentConfig('dev', dev);
const existingVpcConfig = validateEnvironmentConfig('staging', {
  ...prod,
  vpc: {
    kind: 'existing',
    vpcId: 'vpc-0abc12345def67890',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    privateSubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'],
  },
});

interface Synth {
  readonly app: App;
  readonly streaming: StreamingStack;
  readonly template: Template;
}

const cache = new Map<EnvironmentConfig, Synth>();

/** One synth per config (bundling the topics function is the slow part); tests only read it. */
function synth(config: EnvironmentConfig): Synth {
  const cached = cache.get(config);
  if (cached !== undefined) return cached;
  const app = new App();
  const network = new NetworkStack(app, `realtime-pipeline-${config.name}-network`, { config });
  const streaming = new StreamingStack(app, `realtime-pipeline-${config.name}-streaming`, { config, vpc: network.vpc });
  Aspects.of(streaming).add(new AwsSolutionsChecks());
  const result = { app, streaming, template: Template.fromStack(streaming) };
  cache.set(config, result);
  return result;
}

function expectNagClean(stack: Stack): void {
  const annotations = Annotations.fromStack(stack);
  expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
}

type PolicyStatement = { Action: string | string[]; Resource: unknown };

/** The statements of the one policy of a consumer stack. */
function policyStatements(stack: Stack): PolicyStatement[] {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: PolicyStatement[] } } }>;
  return Object.values(resources).find((r) => r.Type === 'AWS::IAM::Policy')?.Properties.PolicyDocument?.Statement ?? [];
}

function consumerRole(): { stack: Stack; role: iam.Role; streaming: StreamingStack } {
  // A fresh app per test (grants change the tree), without bundling the topics function again.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const network = new NetworkStack(app, 'realtime-pipeline-prod-network', { config: prodConfig });
  const streaming = new StreamingStack(app, 'realtime-pipeline-prod-streaming', { config: prodConfig, vpc: network.vpc });
  const stack = new Stack(app, 'consumer');
  return { stack, streaming, role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) };
}

describe('StreamingStack, provisioned MSK (prod)', () => {
  it('runs the configured brokers across the three private subnets', () => {
    const { template } = synth(prodConfig);

    template.hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'realtime-pipeline-prod',
      KafkaVersion: '3.9.x',
      NumberOfBrokerNodes: 3,
      BrokerNodeGroupInfo: {
        InstanceType: 'kafka.m7g.large',
        ClientSubnets: Match.anyValue(),
        StorageInfo: { EBSStorageInfo: { VolumeSize: 500 } },
      },
      StorageMode: 'TIERED',
    });
    const cluster = Object.values(template.findResources('AWS::MSK::Cluster'))[0] as { Properties: { BrokerNodeGroupInfo: { ClientSubnets: unknown[] } } };
    expect(cluster.Properties.BrokerNodeGroupInfo.ClientSubnets).toHaveLength(3);
  });

  it('encrypts at rest with a rotated customer key and in transit everywhere, and admits IAM clients only', () => {
    const { template } = synth(prodConfig);

    template.hasResourceProperties('AWS::MSK::Cluster', {
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskStorageKey'), 'Arn'] } },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
    });
    template.hasResourceProperties('AWS::KMS::Key', { Description: 'MSK cluster realtime-pipeline-prod: broker storage', EnableKeyRotation: true });
  });

  it('logs brokers to an encrypted log group kept for the configured days, with per-topic-per-partition metrics', () => {
    const { template } = synth(prodConfig);

    template.hasResourceProperties('AWS::MSK::Cluster', {
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: { Ref: Match.stringLikeRegexp('MskBrokerLogs') } } } },
      EnhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
      OpenMonitoring: { Prometheus: { JmxExporter: { EnabledInBroker: false }, NodeExporter: { EnabledInBroker: false } } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogsKey'), 'Arn'] } });
  });

  it('attaches broker defaults that never create topics by accident nor lose acknowledged writes', () => {
    const { template } = synth(prodConfig);

    template.hasResourceProperties('AWS::MSK::Configuration', {
      KafkaVersionsList: ['3.9.x'],
      ServerProperties: ['auto.create.topics.enable=false', 'default.replication.factor=3', 'min.insync.replicas=2', 'unclean.leader.election.enable=false'].join('\n'),
    });
    template.hasResourceProperties('AWS::MSK::Cluster', {
      ConfigurationInfo: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskConfiguration'), 'Arn'] }, Revision: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskConfiguration'), 'LatestRevision.Revision'] } },
    });
  });

  it('retains the cluster in prod', () => {
    synth(prodConfig).template.hasResource('AWS::MSK::Cluster', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synth(prodConfig).streaming);
  });
});

describe('StreamingStack, serverless MSK (dev)', () => {
  it('creates a serverless cluster with IAM auth in the private subnets and the cluster group', () => {
    const { template } = synth(devConfig);

    template.resourceCountIs('AWS::MSK::Cluster', 0);
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: 'realtime-pipeline-dev',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [{ SubnetIds: Match.anyValue(), SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MskClusterSecurityGroup'), 'GroupId'] }] }],
    });
  });

  it('destroys the cluster with the dev stack', () => {
    synth(devConfig).template.hasResource('AWS::MSK::ServerlessCluster', { DeletionPolicy: 'Delete' });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synth(devConfig).streaming);
  });
});

describe('StreamingStack in an existing VPC', () => {
  it('places the brokers in the configured private subnets', () => {
    synth(existingVpcConfig).template.hasResourceProperties('AWS::MSK::Cluster', {
      BrokerNodeGroupInfo: { ClientSubnets: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'] },
    });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synth(existingVpcConfig).streaming);
  });
});

describe('MSK security groups', () => {
  it('admits the client group and the cluster group itself on 9098 only', () => {
    const { template } = synth(prodConfig);

    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as { Properties: Record<string, unknown> }[];
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 9098, ToPort: 9098 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskClusterSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskClientSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Brokers of MSK cluster realtime-pipeline-prod',
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
  });
});

describe('bootstrap brokers', () => {
  it('are read from the Kafka API on this cluster only', () => {
    const { template, streaming } = synth(prodConfig);

    const lookup = Object.values(template.findResources('Custom::AWS'))[0] as { Properties: { Create: unknown; Update: unknown } };
    const call = JSON.stringify(lookup.Properties.Create);
    expect(call).toContain('\\"service\\":\\"Kafka\\",\\"action\\":\\"GetBootstrapBrokers\\"');
    expect(call).toContain('\\"outputPaths\\":[\\"BootstrapBrokerStringSaslIam\\"]');
    expect(lookup.Properties.Update).toEqual(lookup.Properties.Create);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'kafka:GetBootstrapBrokers', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskCluster'), 'Arn'] } }] },
    });
    expect(JSON.stringify(streaming.resolve(streaming.kafka.bootstrapBrokers))).toMatch(/"Fn::GetAtt":\["MskBootstrapBrokers[0-9A-F]+","BootstrapBrokerStringSaslIam"\]/);
  });
});

describe('KafkaTopics', () => {
  it('hands the config\'s topics and the IAM bootstrap brokers to the custom resource', () => {
    const { template } = synth(prodConfig);

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
    const { template } = synth(prodConfig);

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
    const { template } = synth(prodConfig);

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
    const { template } = synth(devConfig);
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

describe('KafkaClusterAccess grants', () => {

  it('builds topic and group ARNs from the cluster name and the UUID cut out of the cluster ARN', () => {
    const { streaming } = synth(prodConfig);
    const topicArn = JSON.stringify(streaming.resolve(streaming.kafka.topicArn('orders')));
    const groupArn = JSON.stringify(streaming.resolve(streaming.kafka.groupArn('order-analytics')));

    expect(topicArn).toContain(':kafka:');
    expect(topicArn).toContain(':topic/realtime-pipeline-prod/');
    expect(topicArn).toContain('{"Fn::Select":[2,{"Fn::Split":["/",{"Fn::GetAtt":["MskCluster');
    expect(topicArn).toMatch(/\/orders"\]\]\}$/);
    expect(groupArn).toContain(':group/realtime-pipeline-prod/');
    expect(groupArn).toMatch(/\/order-analytics"\]\]\}$/);
  });

  it('grantConsume gives a Kafka client the data-plane actions only: no MSK control plane, no EC2', () => {
    const { stack, role, streaming } = consumerRole();
    Aspects.of(stack).add(new AwsSolutionsChecks());

    streaming.kafka.grantConsume(role, ['orders'], 'order-analytics');

    const statements = policyStatements(stack);
    const byAction = (action: string) => statements.find((st) => ([] as string[]).concat(st.Action).includes(action));
    expect(byAction('kafka-cluster:Connect')?.Action).toEqual(['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster']);
    expect(JSON.stringify(byAction('kafka-cluster:Connect')?.Resource)).toContain('Fn::ImportValue');
    expect(byAction('kafka-cluster:ReadData')?.Action).toEqual(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']);
    expect(JSON.stringify(byAction('kafka-cluster:ReadData')?.Resource)).toContain('/orders');
    expect(byAction('kafka-cluster:AlterGroup')?.Action).toEqual(['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']);
    expect(JSON.stringify(byAction('kafka-cluster:AlterGroup')?.Resource)).toContain('/order-analytics');
    const actions = statements.flatMap((st) => ([] as string[]).concat(st.Action));
    expect(actions.filter((a) => !a.startsWith('kafka-cluster:'))).toEqual([]);
    expect(statements.filter((st) => st.Resource === '*')).toEqual([]);
    expectNagClean(stack);
  });

  it('grantEventSourceMapping adds what the mapping reads of the cluster, on the cluster ARN, and no EC2 action', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantEventSourceMapping(role, ['orders'], 'order-analytics');

    const statements = policyStatements(stack);
    const onCluster = statements.filter((st) => JSON.stringify(st.Resource).includes('Fn::ImportValue') && !JSON.stringify(st.Resource).includes('Fn::Join'));
    expect(onCluster.flatMap((st) => ([] as string[]).concat(st.Action)).sort()).toEqual([
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeCluster',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka:DescribeClusterV2',
      'kafka:GetBootstrapBrokers',
    ]);
    expect(statements.flatMap((st) => ([] as string[]).concat(st.Action)).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  it('grantProduce allows idempotent writes to the topics', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantProduce(role, ['orders']);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'] }),
          Match.objectLike({ Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'] }),
        ]),
      },
    });
  });

  it('grantManageTopics and grantConsumerGroups accept patterns', () => {
    const { stack, role, streaming } = consumerRole();

    streaming.kafka.grantManageTopics(role, ['connect-*']);
    streaming.kafka.grantConsumerGroups(role, 'connect-cluster');

    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('/connect-*');
    expect(policy).toContain('kafka-cluster:CreateTopic');
    expect(policy).toContain('/connect-cluster');
  });
});

describe('MskCluster validation', () => {
  const provisioned = { kind: 'provisioned', brokerCount: 3, instanceType: 'kafka.m7g.large', kafkaVersion: '3.9.x', volumeSizeGiB: 100, tieredStorage: false, brokerLogRetentionDays: 14 } as const;

  function build(props: Partial<MskClusterProps> | ((network: NetworkStack) => Partial<MskClusterProps>)): () => MskCluster {
    const app = new App();
    const network = new NetworkStack(app, 'network', { config: prodConfig });
    const stack = new Stack(app, 'cluster');
    const logsKey = new kms.Key(stack, 'Key');
    const overrides = typeof props === 'function' ? props(network) : props;
    return () => new MskCluster(stack, 'Msk', { clusterName: 'cluster', msk: provisioned, vpc: network.vpc, vpcSubnets: network.privateSubnets, logsKey, ...overrides });
  }

  it('throws when brokerCount is not a multiple of the subnets', () => {
    expect(build({ msk: { ...provisioned, brokerCount: 4 } })).toThrow(/MskCluster: msk.brokerCount must be a multiple of the 3 subnets of vpcSubnets \(one per zone\); got 4/);
  });

  it('throws when tiered storage is asked of a kafka.t3 broker', () => {
    expect(build({ msk: { ...provisioned, tieredStorage: true, instanceType: 'kafka.t3.small' } })).toThrow(/MskCluster: msk.tieredStorage needs a broker type other than kafka.t3; got 'kafka.t3.small'/);
  });

  it('throws when the cluster name is not letters, digits and hyphens', () => {
    expect(build({ clusterName: 'my_cluster' })).toThrow(/MskCluster: clusterName must be 1 to 64 letters, digits or '-'; got 'my_cluster'/);
  });

  it('throws when fewer than two subnets are selected', () => {
    expect(build((network) => ({ vpcSubnets: { subnets: network.vpc.privateSubnets.slice(0, 1) } }))).toThrow(/MskCluster: vpcSubnets must select at least 2 subnets in different zones; got 1/);
  });

  it('derives replication defaults from a two-broker cluster', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = validateEnvironmentConfig('dev', { ...prod, vpc: { ...prod.vpc, availabilityZones: 2, natGateways: 1 }, msk: { ...provisioned, brokerCount: 2 }, topics: { orders: { partitions: 3, replicationFactor: 2, minInSyncReplicas: 1, retentionHours: 24, cleanupPolicy: 'delete' } }, cdc: { engine: 'none' }, processors: {} });
    const network = new NetworkStack(app, 'network', { config });
    const streaming = new StreamingStack(app, 'streaming', { config, vpc: network.vpc });

    Template.fromStack(streaming).hasResourceProperties('AWS::MSK::Configuration', { ServerProperties: Match.stringLikeRegexp('default.replication.factor=2\nmin.insync.replicas=1') });
  });
});
