import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * IAM actions MSK checks on its IAM listener, kept here by intent so each
 * grant names the smallest set. Resources: the cluster for cluster-level
 * actions, topic and group ARNs for the rest.
 * https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
 */
export const MskActions = {
  /** Every client: authenticate and read cluster metadata. */
  CLUSTER_CLIENT: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
  /** Idempotent producers: the cluster-level IDEMPOTENT_WRITE ACL. */
  CLUSTER_IDEMPOTENT_WRITE: ['kafka-cluster:WriteDataIdempotently'],
  /** Lambda's MSK pollers read the cluster's dynamic configuration (Lambda guide, IAM authentication); plain clients do not. */
  CLUSTER_DESCRIBE_CONFIG: ['kafka-cluster:DescribeClusterDynamicConfiguration'],
  TOPIC_READ: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
  TOPIC_WRITE: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
  TOPIC_MANAGE: [
    'kafka-cluster:CreateTopic',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:AlterTopic',
    'kafka-cluster:DescribeTopicDynamicConfiguration',
    'kafka-cluster:AlterTopicDynamicConfiguration',
  ],
  GROUP_MEMBER: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
  /**
   * The control-plane calls a Lambda event source mapping makes with the
   * function's role to find the cluster's brokers and subnets. No Kafka
   * client needs them (a client has its bootstrap brokers), so only
   * grantEventSourceMapping grants them. DescribeClusterV2 covers
   * provisioned and serverless clusters alike.
   * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
   */
  EVENT_SOURCE_CLUSTER: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
} as const;

/**
 * Topic and group ARNs of one cluster. MSK names them after the cluster's
 * name and UUID: `arn:<partition>:kafka:<region>:<account>:topic/<name>/<uuid>/<topic>`,
 * and the UUID exists only in the cluster ARN (`...:cluster/<name>/<uuid>`),
 * so it is cut out of that token at deploy time.
 */
export class MskResourceArns {
  private readonly clusterUuid: string;

  public constructor(
    private readonly scope: IConstruct,
    clusterArn: string,
    private readonly clusterName: string,
  ) {
    this.clusterUuid = Fn.select(2, Fn.split('/', clusterArn));
  }

  public topicArn(topicPattern: string): string {
    return this.arn('topic', topicPattern);
  }

  public groupArn(groupPattern: string): string {
    return this.arn('group', groupPattern);
  }

  private arn(resource: 'topic' | 'group', name: string): string {
    return Stack.of(this.scope).formatArn({
      service: 'kafka',
      resource,
      resourceName: `${this.clusterName}/${this.clusterUuid}/${name}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
