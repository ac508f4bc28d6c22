import { fileURLToPath } from 'node:url';
import {
  CustomResource,
  Duration,
  RemovalPolicy,
  Token,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_logs as logs,
  custom_resources as cr,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { isTiered, type TopicsSpec } from '../../functions/kafka-topics/topic-spec.js';
import { encryptedLogGroup } from './encrypted-logs.js';
import { suppressProviderFrameworkFindings } from './provider-nag.js';
import type { MskCluster } from './msk-cluster.js';
import { ConstructPropsError } from '../errors.js';

const HANDLER_ENTRY = fileURLToPath(new URL('../../functions/kafka-topics/handler.ts', import.meta.url));
/**
 * Hours a tiered topic's segments stay on broker disks besides remote
 * storage, when its config sets no `localRetentionHours`: a consumer up to a
 * day behind still reads from local disk, older reads come from the remote
 * tier, and brokers hold about a day of data instead of the full retention.
 * Below MSK's shortest tiered retention (3 days), so always valid.
 */
const DEFAULT_LOCAL_RETENTION_HOURS = 24;
/** MSK Serverless fixes min.insync.replicas at 2 (https://docs.aws.amazon.com/msk/latest/developerguide/serverless-config.html). */
const SERVERLESS_MIN_ISR = 2;

export interface KafkaTopicsProps {
  readonly cluster: MskCluster;
  readonly clusterKind: EnvironmentConfig['msk']['kind'];
  /**
   * Whether the cluster keeps old segments in remote storage; deletable
   * topics then opt in, with a local retention of their
   * `localRetentionHours` (default {@link DEFAULT_LOCAL_RETENTION_HOURS}).
   */
  readonly tieredStorage: boolean;
  /** The topics of the config, by name. */
  readonly topics: EnvironmentConfig['topics'];
  readonly vpc: ec2.IVpc;
  /** Where the function runs: subnets that reach the brokers. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Encrypts the function's log groups; its policy must admit CloudWatch Logs (see LogsKey). */
  readonly logsKey: kms.IKey;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The config's Kafka topics, kept in line on every deploy by a custom
 * resource (functions/kafka-topics): it creates missing topics, adds
 * partitions, aligns retention, cleanup policy and min ISR (and, on a
 * tiered cluster, remote storage and local retention), and fails the
 * deploy with the cluster unchanged when asked to shrink partitions or
 * change the replication factor. Deleting the stack or dropping a topic from
 * the config deletes no topic: they hold the pipeline's data.
 */
export class KafkaTopics extends Construct {
  /** Completes once every topic exists with its partitions and configs. */
  public readonly resource: CustomResource;
  public readonly handler: nodejs.NodejsFunction;

  public constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    const handlerLogs = encryptedLogGroup(this, 'HandlerLogs', { encryptionKey: props.logsKey, retention, removalPolicy });
    // Part of the role itself, so the permissions exist before Lambda creates the function's ENIs.
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Manages the Kafka topics of MSK cluster ${props.cluster.clusterName}`,
      inlinePolicies: {
        VpcNetworkInterfaces: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    NagSuppressions.addResourceSuppressions(role, [
      {
        id: 'AwsSolutions-IAM5',
        reason: "A function in a VPC needs EC2's network-interface actions, which EC2 only authorizes on '*'; Lambda calls them for this function's subnets alone.",
        appliesTo: ['Resource::*'],
      },
    ]);
    handlerLogs.grantWrite(role);
    props.cluster.grantManageTopics(role, Object.keys(props.topics));

    this.handler = new nodejs.NodejsFunction(this, 'Handler', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      description: `KafkaTopics custom resource for MSK cluster ${props.cluster.clusterName}`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // Creating topics waits for their leaders; a large plan on a busy cluster takes a while.
      timeout: Duration.minutes(5),
      role,
      logGroup: handlerLogs,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.cluster.clientSecurityGroup],
      // Bundle the SDK pieces the MSK signer uses instead of trusting the runtime's copy to have them.
      bundling: { externalModules: [], minify: true, sourceMap: true },
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup: encryptedLogGroup(this, 'ProviderLogs', { encryptionKey: props.logsKey, retention, removalPolicy }),
    });
    suppressProviderFrameworkFindings(provider);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::KafkaTopics',
      properties: {
        BootstrapBrokers: props.cluster.bootstrapBrokers,
        ClusterArn: props.cluster.clusterArn,
        Spec: JSON.stringify(topicsSpec(props)),
      },
    });
    // The role's Kafka grants must be in place before the first call.
    this.resource.node.addDependency(role);
    props.cluster.topicsReadyAfter(this.resource);
  }
}

function topicsSpec(props: KafkaTopicsProps): TopicsSpec {
  const topics: TopicsSpec['topics'] = {};
  for (const [name, t] of Object.entries(props.topics)) {
    topics[name] = {
      partitions: t.partitions,
      replicationFactor: t.replicationFactor,
      minInSyncReplicas: t.minInSyncReplicas,
      retentionHours: t.retentionHours,
      cleanupPolicy: t.cleanupPolicy,
      ...(isTiered(props, t)
        ? {
            localRetentionHours: t.localRetentionHours ?? DEFAULT_LOCAL_RETENTION_HOURS,
            localRetentionBytes: t.localRetentionBytes,
          }
        : {}),
    };
  }
  return { clusterKind: props.clusterKind, tieredStorage: props.tieredStorage, topics };
}

function validate(props: KafkaTopicsProps): void {
  if (props.clusterKind !== 'serverless') return;
  for (const [name, t] of Object.entries(props.topics)) {
    if (!Token.isUnresolved(t.minInSyncReplicas) && t.minInSyncReplicas !== SERVERLESS_MIN_ISR) {
      throw new ConstructPropsError(`KafkaTopics: topics.${name}.minInSyncReplicas must be ${SERVERLESS_MIN_ISR} on MSK Serverless, which fixes it; got ${t.minInSyncReplicas}`);
    }
  }
}
