import type { aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import type { IDependable } from 'constructs';

/**
 * What the rest of the app needs from the MSK cluster, provisioned or
 * serverless alike: where it is, how to reach it, and grants by intent.
 * Clients authenticate with IAM (SASL/IAM on port 9098), so every grant is
 * an IAM statement on the cluster's, topics' and groups' ARNs.
 */
export interface KafkaClusterAccess {
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The IAM-authenticated bootstrap servers, `host:9098,host:9098,...`. */
  readonly bootstrapBrokers: string;
  /** Attach this group to anything that talks to the brokers; the cluster admits it on the IAM port. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Completes once the topics of the config exist with their partitions and configs. */
  readonly topicsReady: IDependable;
  /** The ARN of a topic, or of every topic matching a `*` pattern. */
  topicArn(topicPattern: string): string;
  /** The ARN of a consumer group, or of every group matching a `*` pattern. */
  groupArn(groupPattern: string): string;
  /**
   * Read `topics` as consumer group `consumerGroup`: the Kafka data-plane
   * actions of any IAM-authenticated client (a Kafka Connect worker, say),
   * and nothing of the MSK or EC2 control planes.
   */
  grantConsume(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant;
  /**
   * What a Lambda event source mapping reading `topics` as `consumerGroup`
   * needs on its function's role: grantConsume, plus the cluster's dynamic
   * configuration and the MSK control-plane calls that find its brokers.
   * The network interfaces the mapping places in the cluster's subnets are
   * the function's own VPC access, granted with the function.
   */
  grantEventSourceMapping(grantee: iam.IGrantable, topics: readonly string[], consumerGroup: string): iam.Grant;
  /** Write records to `topics` (patterns allowed), idempotently. */
  grantProduce(grantee: iam.IGrantable, topics: readonly string[]): iam.Grant;
  /** Create, describe and alter the configs of topics matching `topicPatterns` (Kafka Connect's internal topics). */
  grantManageTopics(grantee: iam.IGrantable, topicPatterns: readonly string[]): iam.Grant;
  /** Join and commit as consumer groups matching `groupPattern` (Kafka Connect's workers). */
  grantConsumerGroups(grantee: iam.IGrantable, groupPattern: string): iam.Grant;
}
