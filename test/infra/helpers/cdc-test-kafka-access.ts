import { aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, DependencyGroup } from 'constructs';
import type { KafkaClusterAccess } from '../../../lib/constructs/kafka-cluster-access.js';

/**
 * A stand-in for the streaming stack's MSK access, for testing the CDC
 * stack on its own: plain IAM statements on ARNs of a fixed cluster, so
 * assertions can name them.
 */
export const TEST_CLUSTER = {
  arn: 'arn:aws:kafka:eu-west-1:111111111111:cluster/rtp-test/11111111-2222-3333-4444-555555555555-1',
  name: 'rtp-test',
  uuid: '11111111-2222-3333-4444-555555555555-1',
  bootstrapBrokers: 'b-1.rtp-test.kafka.eu-west-1.amazonaws.com:9098,b-2.rtp-test.kafka.eu-west-1.amazonaws.com:9098',
} as const;

export class CdcTestKafkaAccess extends Construct implements KafkaClusterAccess {
  public readonly clusterArn = TEST_CLUSTER.arn;
  public readonly clusterName = TEST_CLUSTER.name;
  public readonly bootstrapBrokers = TEST_CLUSTER.bootstrapBrokers;
  public readonly clientSecurityGroup: ec2.ISecurityGroup;
  public readonly topicsReady: DependencyGroup;

  public constructor(scope: Construct, id: string, vpc: ec2.IVpc) {
    super(scope, id);
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'Clients', { vpc, description: 'MSK clients (test)', allowAllOutbound: false });
    this.topicsReady = new DependencyGroup();
    this.topicsReady.add(this.clientSecurityGroup);
  }

  public topicArn(topicPattern: string): string {
    return `arn:aws:kafka:eu-west-1:111111111111:topic/${TEST_CLUSTER.name}/${TEST_CLUSTER.uuid}/${topicPattern}`;
  }

  public groupArn(groupPattern: string): string {
    return `arn:aws:kafka:eu-west-1:111111111111:group/${TEST_CLUSTER.name}/${TEST_CLUSTER.uuid}/${groupPattern}`;
  }

  public grantConsume(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    this.grantConnect(grantee);
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resourceArns: topics.map((t) => this.topicArn(t)) });
    return this.grantConsumerGroups(grantee, consumerGroup);
  }

  public grantEventSourceMapping(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeClusterDynamicConfiguration', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resourceArns: [this.clusterArn] });
    return this.grantConsume(grantee, topics, consumerGroup);
  }

  public grantProduce(grantee: iam.IGrantable, topics: readonly string[]): iam.Grant {
    this.grantConnect(grantee);
    return iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], resourceArns: topics.map((t) => this.topicArn(t)) });
  }

  public grantManageTopics(grantee: iam.IGrantable, topicPatterns: readonly string[]): iam.Grant {
    this.grantConnect(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:AlterTopicDynamicConfiguration'],
      resourceArns: topicPatterns.map((t) => this.topicArn(t)),
    });
  }

  public grantConsumerGroups(grantee: iam.IGrantable, groupPattern: string): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resourceArns: [this.groupArn(groupPattern)] });
  }

  private grantConnect(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resourceArns: [this.clusterArn] });
  }
}
