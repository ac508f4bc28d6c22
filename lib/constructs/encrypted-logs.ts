import { Aws, Duration, RemovalPolicy, aws_iam as iam, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs encrypt with `key` for the log group `logGroupName`
 * of this account and region (every log group when omitted). Logs uses the
 * key itself, so the key policy names the regional service principal,
 * narrowed by the encryption context.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function allowCloudWatchLogs(key: kms.Key, logGroupName = '*'): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      ...(logGroupName === '*' ? { sid: 'CloudWatchLogsUse' } : {}),
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      // In a key policy, '*' is this key.
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupName}` } },
    }),
  );
}

export interface LogsKeyProps {
  readonly description: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A customer KMS key (rotated yearly) that CloudWatch Logs may use for the log groups of this account and region. */
export class LogsKey extends Construct {
  public readonly key: kms.Key;

  public constructor(scope: Construct, id: string, props: LogsKeyProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy,
      ...(removalPolicy === RemovalPolicy.DESTROY ? { pendingWindow: Duration.days(7) } : {}),
    });
    allowCloudWatchLogs(this.key);
  }
}

export interface EncryptedLogGroupProps {
  readonly encryptionKey: kms.IKey;
  readonly retention: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default a generated name */
  readonly logGroupName?: string;
}

/** A log group encrypted with a customer key and a bounded retention. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    encryptionKey: props.encryptionKey,
    retention: props.retention,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    logGroupName: props.logGroupName,
  });
}
