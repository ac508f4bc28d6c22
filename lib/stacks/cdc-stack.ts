import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { DebeziumConnect } from '../constructs/debezium-connect.js';
import { DmsReplication, type DmsKafkaTarget } from '../constructs/dms-replication.js';
import type { KafkaClusterAccess } from '../constructs/kafka-cluster-access.js';
import { ConstructPropsError } from '../errors.js';

export interface CdcStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly kafka: KafkaClusterAccess;
  /**
   * Where DMS writes, for `cdc.engine: 'dms'`: DMS cannot authenticate to
   * MSK with IAM, so it needs the cluster's SASL/SCRAM brokers and user.
   * Required with DMS, ignored otherwise.
   */
  readonly dmsTarget?: DmsKafkaTarget;
}

/**
 * Database changes into MSK: Debezium on Fargate (`cdc.engine: 'debezium'`)
 * or DMS Serverless (`'dms'`). With `'none'` there is nothing to build:
 * create the stack only when `CdcStack.isNeeded(config)`.
 */
export class CdcStack extends Stack {
  public readonly debezium?: DebeziumConnect;
  public readonly dms?: DmsReplication;

  /** Whether the environment captures a database at all. */
  public static isNeeded(config: EnvironmentConfig): boolean {
    return config.cdc.engine !== 'none';
  }

  public constructor(scope: Construct, id: string, props: CdcStackProps) {
    super(scope, id, props);
    const { config } = props;
    const namePrefix = `realtime-pipeline-${config.name}`;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const cdc = config.cdc;
    if (cdc.engine === 'none') {
      throw new ConstructPropsError(`CdcStack: cdc.engine is 'none' in environment '${config.name}'; create the stack only when CdcStack.isNeeded(config)`);
    }
    if (cdc.engine === 'debezium') {
      this.debezium = new DebeziumConnect(this, 'Debezium', {
        namePrefix,
        vpc: props.vpc,
        kafka: props.kafka,
        source: cdc.source,
        connectors: cdc.connectors,
        topicPartitions: Object.fromEntries(Object.entries(config.topics).map(([name, topic]) => [name, topic.partitions])),
        cpu: cdc.cpu,
        memoryMiB: cdc.memoryMiB,
        workers: cdc.workers,
        removalPolicy,
        replicationFactor: Math.min(3, ...Object.values(config.topics).map((t) => t.replicationFactor)),
      });
      return;
    }
    if (config.msk.kind === 'serverless') {
      throw new ConstructPropsError("CdcStack: cdc.engine 'dms' needs msk.kind 'provisioned' with SASL/SCRAM: MSK Serverless accepts IAM authentication only, which DMS cannot use");
    }
    if (props.dmsTarget === undefined) {
      throw new ConstructPropsError("CdcStack: props.dmsTarget is required when cdc.engine is 'dms': DMS writes to MSK with SASL/SCRAM, not IAM");
    }
    this.dms = new DmsReplication(this, 'Dms', {
      namePrefix,
      vpc: props.vpc,
      kafka: props.kafka,
      target: props.dmsTarget,
      source: cdc.source,
      tables: cdc.tables,
      topic: cdc.topic,
      minCapacityUnits: cdc.minCapacityUnits,
      maxCapacityUnits: cdc.maxCapacityUnits,
      removalPolicy,
      createAccountRoles: cdc.createAccountRoles,
    });
  }
}
