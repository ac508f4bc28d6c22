import { CfnWaitConditionHandle, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { KafkaClusterAccess } from '../../../lib/constructs/kafka-cluster-access.js';

export const TEST_CLUSTER_NAME = 'test-cluster';
export const TEST_CLUSTER_UUID = '0a1b2c3d-4e5f-6789-abcd-ef0123456789-3';
export const TEST_CLUSTER_ARN = `arn:aws:kafka:eu-west-1:111111111111:cluster/${TEST_CLUSTER_NAME}/${TEST_CLUSTER_UUID}`;

/**
 * A KafkaClusterAccess for tests of the stacks that consume MSK, without the
 * streaming stack: a fixed cluster ARN, a client security group, a
 * `topicsReady` resource to depend on, and grants as plain IAM statements
 * with the MSK IAM actions a real cluster would grant.
 */
export class TestKafkaAccess extends Construct implements KafkaClusterAccess {
  public readonly clusterArn = TEST_CLUSTER_ARN;
  public readonly clusterName = TEST_CLUSTER_NAME;
  public readonly bootstrapBrokers = 'b-1.test.kafka.eu-west-1.amazonaws.com:9098,b-2.test.kafka.eu-west-1.amazonaws.com:9098';
  public readonly clientSecurityGroup: ec2.ISecurityGroup;
  public readonly topicsReady: CfnWaitConditionHandle;

  public constructor(scope: Construct, id: string, vpc: ec2.IVpc) {
    super(scope, id);
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', { vpc, description: 'MSK clients (test)' });
    this.topicsReady = new CfnWaitConditionHandle(this, 'TopicsReady');
  }

  public topicArn(topicPattern: string): string {
    return `arn:aws:kafka:eu-west-1:111111111111:topic/${TEST_CLUSTER_NAME}/${TEST_CLUSTER_UUID}/${topicPattern}`;
  }

  public groupArn(groupPattern: string): string {
    return `arn:aws:kafka:eu-west-1:111111111111:group/${TEST_CLUSTER_NAME}/${TEST_CLUSTER_UUID}/${groupPattern}`;
  }

  public grantConsume(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    return this.grant(grantee, [
      { actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [this.clusterArn] },
      { actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: topics.map((t) => this.topicArn(t)) },
      { actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resources: [this.groupArn(consumerGroup)] },
    ]);
  }

  public grantEventSourceMapping(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant {
    return this.grantConsume(grantee, topics, consumerGroup).combine(
      this.grant(grantee, [
        { actions: ['kafka-cluster:DescribeClusterDynamicConfiguration', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resources: [this.clusterArn] },
      ]),
    );
  }

  public grantProduce(grantee: iam.IGrantable, topics: readonly string[]): iam.Grant {
    return this.grant(grantee, [
      { actions: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'], resources: [this.clusterArn] },
      { actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], resources: topics.map((t) => this.topicArn(t)) },
    ]);
  }

  public grantManageTopics(grantee: iam.IGrantable, topicPatterns: readonly string[]): iam.Grant {
    return this.grant(grantee, [
      { actions: ['kafka-cluster:Connect'], resources: [this.clusterArn] },
      {
        actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:AlterTopicDynamicConfiguration'],
        resources: topicPatterns.map((t) => this.topicArn(t)),
      },
    ]);
  }

  public grantConsumerGroups(grantee: iam.IGrantable, groupPattern: string): iam.Grant {
    return this.grant(grantee, [
      { actions: ['kafka-cluster:Connect'], resources: [this.clusterArn] },
      { actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resources: [this.groupArn(groupPattern)] },
    ]);
  }

  private grant(grantee: iam.IGrantable, statements: readonly { actions: string[]; resources: string[] }[]): iam.Grant {
    const [first, ...rest] = statements.map((s) => iam.Grant.addToPrincipal({ grantee, actions: s.actions, resourceArns: s.resources }));
    if (first === undefined) throw new Error('TestKafkaAccess: no statements');
    return rest.reduce((all, g) => all.combine(g), first);
  }
}
