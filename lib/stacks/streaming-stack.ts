import { Stack, aws_ec2 as ec2, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { LogsKey } from '../constructs/encrypted-logs.js';
import type { KafkaClusterAccess } from '../constructs/kafka-cluster-access.js';
import { KafkaTopics } from '../constructs/kafka-topics.js';
import { MskCluster } from '../constructs/msk-cluster.js';
import { dataRemovalPolicy, stackEnvironment } from './environment-props.js';

export interface StreamingStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The VPC of the NetworkStack. */
  readonly vpc: ec2.IVpc;
  /**
   * Where brokers and the topics function go.
   * @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * The environment's MSK cluster and its topics. Other stacks reach it only
 * through `kafka`: attach `kafka.clientSecurityGroup`, use the grants, and
 * depend on `kafka.topicsReady` before reading or writing.
 */
export class StreamingStack extends Stack {
  public readonly kafka: KafkaClusterAccess;
  /** The same cluster as `kafka`, with what only this stack's owner needs (security groups, keys, log group). */
  public readonly cluster: MskCluster;
  public readonly topics: KafkaTopics;

  public constructor(scope: Construct, id: string, props: StreamingStackProps) {
    const env = props.env ?? stackEnvironment(props.config);
    super(scope, id, { ...props, env });
    const { config } = props;
    const removalPolicy = dataRemovalPolicy(config);
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const logsKey = new LogsKey(this, 'LogsKey', { description: `realtime-pipeline ${config.name}: MSK broker and topics-function logs`, removalPolicy }).key;

    this.cluster = new MskCluster(this, 'Msk', {
      clusterName: `realtime-pipeline-${config.name}`,
      msk: config.msk,
      vpc: props.vpc,
      vpcSubnets,
      logsKey,
      removalPolicy,
      // DMS writes to Kafka with SASL/SCRAM, never IAM.
      scram: config.cdc.engine === 'dms',
    });
    this.topics = new KafkaTopics(this, 'Topics', {
      cluster: this.cluster,
      clusterKind: config.msk.kind,
      tieredStorage: config.msk.kind === 'provisioned' && config.msk.tieredStorage,
      topics: config.topics,
      vpc: props.vpc,
      vpcSubnets,
      logsKey,
      removalPolicy,
    });
    this.kafka = this.cluster;
  }
}
