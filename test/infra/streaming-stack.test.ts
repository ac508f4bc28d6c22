import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { validateEnvironmentConfig } from '../../lib/config/environments.js';
import { prod } from '../../lib/config/prod.js';
import { MskCluster } from '../../lib/constructs/msk-cluster.js';
import type { MskClusterProps } from '../../lib/constructs/msk-cluster.js';
import { NetworkStack } from '../../lib/stacks/network-stack.js';
import { StreamingStack } from '../../lib/stacks/streaming-stack.js';
import { devConfig, expectNagClean, prodConfig, synthStreaming } from './helpers/streaming-fixtures.js';

// The cluster itself. Its topics are kafka-topics.test.ts, its grants kafka-cluster-access.test.ts.

const existingVpcConfig = validateEnvironmentConfig('staging', {
  ...prod,
  vpc: {
    kind: 'existing',
    vpcId: 'vpc-0abc12345def67890',
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    privateSubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'],
  },
});

describe('StreamingStack, provisioned MSK (prod)', () => {
  it('runs the configured brokers across the three private subnets', () => {
    const { template } = synthStreaming(prodConfig);

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
    const { template } = synthStreaming(prodConfig);

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
    const { template } = synthStreaming(prodConfig);

    template.hasResourceProperties('AWS::MSK::Cluster', {
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: { Ref: Match.stringLikeRegexp('MskBrokerLogs') } } } },
      EnhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
      OpenMonitoring: { Prometheus: { JmxExporter: { EnabledInBroker: false }, NodeExporter: { EnabledInBroker: false } } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogsKey'), 'Arn'] } });
  });

  it('attaches broker defaults that never create topics by accident nor lose acknowledged writes', () => {
    const { template } = synthStreaming(prodConfig);

    template.hasResourceProperties('AWS::MSK::Configuration', {
      KafkaVersionsList: ['3.9.x'],
      ServerProperties: ['auto.create.topics.enable=false', 'default.replication.factor=3', 'min.insync.replicas=2', 'unclean.leader.election.enable=false'].join('\n'),
    });
    template.hasResourceProperties('AWS::MSK::Cluster', {
      ConfigurationInfo: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskConfiguration'), 'Arn'] }, Revision: { 'Fn::GetAtt': [Match.stringLikeRegexp('MskConfiguration'), 'LatestRevision.Revision'] } },
    });
  });

  it('retains the cluster in prod', () => {
    synthStreaming(prodConfig).template.hasResource('AWS::MSK::Cluster', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synthStreaming(prodConfig).streaming);
  });
});

describe('StreamingStack, serverless MSK (dev)', () => {
  it('creates a serverless cluster with IAM auth in the private subnets and the cluster group', () => {
    const { template } = synthStreaming(devConfig);

    template.resourceCountIs('AWS::MSK::Cluster', 0);
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: 'realtime-pipeline-dev',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [{ SubnetIds: Match.anyValue(), SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MskClusterSecurityGroup'), 'GroupId'] }] }],
    });
  });

  it('destroys the cluster with the dev stack', () => {
    synthStreaming(devConfig).template.hasResource('AWS::MSK::ServerlessCluster', { DeletionPolicy: 'Delete' });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synthStreaming(devConfig).streaming);
  });
});

describe('StreamingStack in an existing VPC', () => {
  it('places the brokers in the configured private subnets', () => {
    synthStreaming(existingVpcConfig).template.hasResourceProperties('AWS::MSK::Cluster', {
      BrokerNodeGroupInfo: { ClientSubnets: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'] },
    });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expectNagClean(synthStreaming(existingVpcConfig).streaming);
  });
});

describe('MSK security groups', () => {
  it('admits the client group and the cluster group itself on 9098 only', () => {
    const { template } = synthStreaming(prodConfig);

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
    const { template, streaming } = synthStreaming(prodConfig);

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
