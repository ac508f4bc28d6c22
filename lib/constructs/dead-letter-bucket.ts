import { Duration, RemovalPolicy, aws_s3 as s3, type aws_kms as kms } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface DeadLetterBucketProps {
  /** The customer managed key the payloads are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** With DESTROY the bucket also empties itself on delete (see {@link emptiedOnDestroy}). */
  readonly removalPolicy: RemovalPolicy;
  /**
   * How long a payload is kept. It only makes sense while the dead letter
   * pointing at it is still in its queue.
   * @default Duration.days(14), the dead-letter queues' retention
   */
  readonly expiration?: Duration;
  /**
   * Where S3 server access logs go; an AccessLogsBucket, or a bucket that
   * admits `logging.s3.amazonaws.com` by policy.
   * @default - a logs bucket created beside this one
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * Dead-letter payloads over the SQS message size limit
 * (DEAD_LETTER_BUCKET): the handler writes the record here and puts a
 * pointer in the dead letter. Versioned so an overwrite or delete can be
 * undone while a dead letter is investigated.
 */
export class DeadLetterBucket extends Construct {
  public readonly bucket: s3.Bucket;

  public constructor(scope: Construct, id: string, props: DeadLetterBucketProps) {
    super(scope, id);
    const expiration = props.expiration ?? Duration.days(14);
    const accessLogs = props.serverAccessLogsBucket ?? new AccessLogsBucket(this, 'AccessLogs', { removalPolicy: props.removalPolicy }).bucket;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'dead-letter-payloads/',
      lifecycleRules: [
        { expiration, noncurrentVersionExpiration: expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      ...emptiedOnDestroy(props.removalPolicy),
    });
  }
}

/**
 * The removal settings of a bucket: a bucket deleted with its stack must
 * first be emptied, or CloudFormation's delete fails and `cdk destroy`
 * stops half-way. CDK's auto-delete custom resource does that (every
 * version too) and denies new writes first, so late log deliveries cannot
 * refill it. A retained bucket keeps its objects.
 */
export function emptiedOnDestroy(removalPolicy: RemovalPolicy): Pick<s3.BucketProps, 'removalPolicy' | 'autoDeleteObjects'> {
  return { removalPolicy, autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY };
}

export interface AccessLogsBucketProps {
  /** With DESTROY the bucket also empties itself on delete (see {@link emptiedOnDestroy}). */
  readonly removalPolicy: RemovalPolicy;
  /**
   * How long access logs are kept.
   * @default Duration.days(90)
   */
  readonly expiration?: Duration;
}

/** Destination of S3 server access logs. */
export class AccessLogsBucket extends Construct {
  public readonly bucket: s3.Bucket;

  public constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    // Log delivery is allowed by a bucket policy, not the legacy LogDeliveryWrite
    // ACL (which needs ACLs on); S3 reads the flag at the target bucket's scope.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      // S3 server access logging delivers only to SSE-S3 buckets, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: props.expiration ?? Duration.days(90) }],
      ...emptiedOnDestroy(props.removalPolicy),
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the server access logs bucket; logging its own access would log into itself without end.',
      },
    ]);
  }
}
