import { Stack, aws_logs as logs, type StackProps, type aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { AccessLogsBucket, emptiedOnDestroy } from '../constructs/dead-letter-bucket.js';
import { encryptedLogGroup, LogsKey } from '../constructs/encrypted-logs.js';
import type { KafkaClusterAccess } from '../constructs/kafka-cluster-access.js';
import { routeProviderLogs } from '../constructs/provider-logs.js';
import { StreamProcessor } from '../constructs/stream-processor.js';
import { dataRemovalPolicy } from './environment-props.js';

/** aws-cdk-lib's per-stack provider behind `autoDeleteObjects`, which empties a bucket before it is deleted. */
const AUTO_DELETE_OBJECTS_PROVIDER = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

export interface ProcessingStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The VPC whose private subnets the functions run in. */
  readonly vpc: ec2.IVpc;
  readonly kafka: KafkaClusterAccess;
  /** The Glue registry of the environment, `realtime-pipeline-<env>`. */
  readonly registryName: string;
  /**
   * The registry's ARN.
   * @default - arn:<partition>:glue:<region>:<account>:registry/<registryName> of this stack
   */
  readonly registryArn?: string;
  /**
   * How long the logs of the function that empties buckets before they are
   * deleted (removal policy `destroy` only) are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly customResourceLogRetention?: logs.RetentionDays;
}

/**
 * Every processor of the environment (config.processors), each a
 * StreamProcessor, and one bucket for the server access logs of their
 * dead-letter buckets. Stack id: `realtime-pipeline-<env>-processing`.
 */
export class ProcessingStack extends Stack {
  public readonly processors: readonly StreamProcessor[];

  public constructor(scope: Construct, id: string, props: ProcessingStackProps) {
    super(scope, id, props);
    const removalPolicy = dataRemovalPolicy(props.config);
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', { removalPolicy }).bucket;
    this.processors = Object.keys(props.config.processors).map(
      (processorName) =>
        new StreamProcessor(this, `Processor-${processorName}`, {
          config: props.config,
          processorName,
          vpc: props.vpc,
          kafka: props.kafka,
          registryName: props.registryName,
          registryArn: props.registryArn,
          serverAccessLogsBucket: accessLogs,
        }),
    );
    if (emptiedOnDestroy(removalPolicy).autoDeleteObjects === true) {
      // The buckets empty themselves through aws-cdk-lib's provider, which takes no logging option.
      const logsKey = new LogsKey(this, 'BucketEmptyingLogsKey', { description: `realtime-pipeline ${props.config.name}: logs of the function that empties buckets on delete`, removalPolicy });
      const emptyingLogs = encryptedLogGroup(this, 'BucketEmptyingLogs', {
        encryptionKey: logsKey.key,
        retention: props.customResourceLogRetention ?? logs.RetentionDays.THREE_MONTHS,
        removalPolicy,
      });
      routeProviderLogs(this, AUTO_DELETE_OBJECTS_PROVIDER, emptyingLogs);
    }
  }
}
