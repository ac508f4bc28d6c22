import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Duration,
  RemovalPolicy,
  Stack,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_logs as logs,
  type aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { RemovalPolicyName } from '../config/pipeline-config.js';
import { DeadLetterBucket } from './dead-letter-bucket.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';
import { deployedProcessorResources } from '../config/resource-names.js';
import { allowCloudWatchLogs } from './encrypted-logs.js';
import type { MonitoredInput, MonitoredProcessor } from './monitored-processor.js';
import { PROCESSOR_BUNDLING, processorEsbuildArgs } from './processor-bundling.js';
import { addProcessorMapping, onFailureQueueDestination, type ProcessorEventSource, type ProcessorSettings } from './processor-mapping.js';
import {
  grantKeyUse,
  grantPutObjects,
  grantSchemaRegistry,
  grantSendMessages,
  grantStateTable,
  grantVpcAccess,
  suppressServiceWildcards,
} from './processor-permissions.js';
import { ProcessorQueues } from './processor-queues.js';
import { ProcessorTable } from './processor-table.js';
import { ConstructPropsError } from '../errors.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the bundle's schemas/ folder lands in the function (the code is unpacked to /var/task). */
export const DEPLOYED_SCHEMAS_DIR = '/var/task/schemas';
/** The EMF namespace of functions/core/observability/powertools.ts (METRICS_NAMESPACE). */
export const PROCESSOR_METRICS_NAMESPACE = 'realtime-pipeline';

export interface StreamProcessorProps {
  /** The validated environment; the processor's settings are `config.processors[processorName]`. */
  readonly config: EnvironmentConfig;
  /** A key of `config.processors` and a folder of functions/ holding `handler.ts`. */
  readonly processorName: string;
  readonly vpc: ec2.IVpc;
  /**
   * Where the function's network interfaces go.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly kafka: KafkaClusterAccess;
  /** The Glue registry the decoder reads writer schemas from (SCHEMA_REGISTRY_NAME). */
  readonly registryName: string;
  /**
   * The registry's ARN.
   * @default - arn:<partition>:glue:<region>:<account>:registry/<registryName> of this stack
   */
  readonly registryArn?: string;
  /**
   * How long the function's logs are kept. The config has no key for it yet.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the dead-letter bucket's server access logs go.
   * @default - a logs bucket of this processor
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * The folder holding `<processorName>/handler.ts`.
   * @default the repository's functions/
   */
  readonly functionsDir?: string;
  /**
   * The folder of Avro subjects shipped in the bundle as SCHEMAS_DIR.
   * @default the repository's schemas/
   */
  readonly schemasDir?: string;
}

/**
 * One deployed processor: its bundled function, an MSK event source mapping
 * per input topic with every option of the config, its state table, its
 * dead-letter, on-failure and alerts queues, the bucket for oversized dead
 * letters, and a customer managed key for all of them and its logs.
 */
export class StreamProcessor extends Construct implements MonitoredProcessor {
  public readonly processorName: string;
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly timeout: Duration;
  public readonly key: kms.Key;
  public readonly logGroup: logs.LogGroup;
  public readonly table: ProcessorTable['table'];
  public readonly deadLetterQueue: ProcessorQueues['deadLetterQueue'];
  public readonly onFailureQueue: ProcessorQueues['onFailureQueue'];
  /** Closed windows and alerts (EMIT_QUEUE_URL); only definitions that emit send to it. */
  public readonly alertsQueue: ProcessorQueues['alertsQueue'];
  public readonly alertsDeadLetterQueue: ProcessorQueues['alertsDeadLetterQueue'];
  public readonly deadLetterBucket: DeadLetterBucket['bucket'];
  public readonly eventSources: readonly ProcessorEventSource[];
  public readonly inputs: readonly MonitoredInput[];
  public readonly topics: readonly string[];
  /** The consumer group of the first (for the reference processors, the only) topic's mapping. */
  public readonly consumerGroupId: string;
  /** The UUID of the first topic's mapping, the dimension of its OffsetLag metric; see `eventSources` for all. */
  public readonly eventSourceMappingId: string;

  public constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id);
    const { config, processorName } = props;
    const settings = processorSettings(config, processorName);
    const stack = Stack.of(this);
    const removalPolicy = config.removalPolicy === RemovalPolicyName.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const functionsDir = props.functionsDir ?? join(REPOSITORY_ROOT, 'functions');
    const schemasDir = props.schemasDir ?? join(REPOSITORY_ROOT, 'schemas');
    const entry = join(functionsDir, processorName, 'handler.ts');
    if (!existsSync(entry)) {
      throw new ConstructPropsError(`StreamProcessor: processorName must name a folder of functions/ with a handler.ts; '${entry}' does not exist`);
    }
    const functionName = `realtime-pipeline-${config.name}-${processorName}`;
    const names = deployedProcessorResources(config.name, processorName, settings.topics);
    const registryArn = props.registryArn ?? stack.formatArn({ service: 'glue', resource: 'registry', resourceName: props.registryName });

    this.processorName = processorName;
    this.topics = [...settings.topics];
    this.timeout = Duration.seconds(settings.timeoutSeconds);

    this.key = new kms.Key(this, 'Key', {
      description: `realtime-pipeline ${config.name} ${processorName}: state, queues, dead-letter payloads and logs`,
      enableKeyRotation: true,
      alias: `alias/realtime-pipeline/${config.name}/${processorName}`,
      removalPolicy,
      ...(removalPolicy === RemovalPolicy.DESTROY ? { pendingWindow: Duration.days(7) } : {}),
    });

    const logGroupName = `/aws/lambda/${functionName}`;
    allowCloudWatchLogs(this.key, logGroupName);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: this.key,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.table = new ProcessorTable(this, 'State', {
      tableName: names.stateTableName,
      encryptionKey: this.key,
      removalPolicy,
    }).table;
    const queues = new ProcessorQueues(this, 'Queues', { namePrefix: `${config.name}-${processorName}`, encryptionKey: this.key, removalPolicy });
    this.deadLetterQueue = queues.deadLetterQueue;
    this.onFailureQueue = queues.onFailureQueue;
    this.alertsQueue = queues.alertsQueue;
    this.alertsDeadLetterQueue = queues.alertsDeadLetterQueue;
    this.deadLetterBucket = new DeadLetterBucket(this, 'DeadLetterPayloads', {
      encryptionKey: this.key,
      removalPolicy,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
    }).bucket;

    // Our own role without AWS managed policies: AWSLambdaVPCAccessExecutionRole
    // and AWSLambdaMSKExecutionRole grant logs and kafka on `*`.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName} and of its MSK event source mappings`,
    });
    // The brokers are reached through the cluster's client group; this group adds the AWS APIs:
    // DynamoDB and S3 through the gateway endpoints, SQS, Glue and KMS through NAT or interface endpoints.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${functionName}: egress to DynamoDB, SQS, S3, Glue and KMS over HTTPS`,
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName,
      entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memoryMiB,
      timeout: this.timeout,
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.kafka.clientSecurityGroup, this.securityGroup],
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: join(REPOSITORY_ROOT, 'package-lock.json'),
      environment: {
        SCHEMA_REGISTRY_NAME: props.registryName,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        DEAD_LETTER_BUCKET: this.deadLetterBucket.bucketName,
        STATE_TABLE_NAME: this.table.tableName,
        EMIT_QUEUE_URL: this.alertsQueue.queueUrl,
        INPUT_PARTITIONS: String(inputPartitions(config, processorName, settings)),
        SCHEMAS_DIR: DEPLOYED_SCHEMAS_DIR,
        POWERTOOLS_SERVICE_NAME: processorName,
        POWERTOOLS_METRICS_NAMESPACE: PROCESSOR_METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // bench/bundles.ts builds from the same options, to measure what is deployed.
      bundling: {
        format: nodejs.OutputFormat[PROCESSOR_BUNDLING.format],
        mainFields: [...PROCESSOR_BUNDLING.mainFields],
        banner: PROCESSOR_BUNDLING.banner,
        minify: PROCESSOR_BUNDLING.minify,
        sourceMap: PROCESSOR_BUNDLING.sourceMap,
        target: PROCESSOR_BUNDLING.target,
        esbuildArgs: processorEsbuildArgs(),
        commandHooks: schemasHook(schemasDir, REPOSITORY_ROOT),
      },
    });

    grantVpcAccess(this.role);
    this.logGroup.grantWrite(this.role);
    grantKeyUse(this.role, this.key);
    grantStateTable(this.role, this.table);
    // The on-failure queue's grant comes with the mappings' destination (onFailureQueueDestination).
    grantSendMessages(this.role, [this.deadLetterQueue, this.alertsQueue]);
    grantPutObjects(this.role, this.deadLetterBucket);
    grantSchemaRegistry(this.role, stack, props.registryName, registryArn);

    const onFailure = onFailureQueueDestination(this, this.onFailureQueue);
    this.eventSources = names.inputs.map(({ topic, consumerGroupId }) => {
      const mapping = addProcessorMapping(this, { function: this.function, role: this.role, kafka: props.kafka, topic, consumerGroupId, settings, onFailure, registryArn });
      return { topic, consumerGroupId, mapping };
    });
    const [first] = this.eventSources;
    if (first === undefined) throw new ConstructPropsError(`StreamProcessor: processors.${processorName}.topics must name at least one topic`);
    this.consumerGroupId = first.consumerGroupId;
    this.eventSourceMappingId = first.mapping.eventSourceMappingId;
    this.inputs = this.eventSources.map((s) => ({ topic: s.topic, consumerGroupId: s.consumerGroupId, eventSourceMappingId: s.mapping.eventSourceMappingId }));

    suppressServiceWildcards(this.role);
  }

  /** The processor as the alarms and the dashboard see it. */
  public get monitored(): MonitoredProcessor {
    return this;
  }
}

function processorSettings(config: EnvironmentConfig, processorName: string): ProcessorSettings {
  const settings = config.processors[processorName];
  if (settings === undefined) {
    const known = Object.keys(config.processors).join(', ');
    throw new ConstructPropsError(`StreamProcessor: processorName must be a key of config.processors (${known}); got '${processorName}'`);
  }
  return settings;
}

/** INPUT_PARTITIONS: the engine's watermark counts partitions, so every input topic must agree. */
function inputPartitions(config: EnvironmentConfig, processorName: string, settings: ProcessorSettings): number {
  const counts = new Set(settings.topics.map((t) => config.topics[t]?.partitions));
  const [count] = counts;
  if (counts.size !== 1 || count === undefined) {
    throw new ConstructPropsError(
      `StreamProcessor: processors.${processorName}.topics must all be keys of topics with the same partition count (INPUT_PARTITIONS); ` +
        `got ${settings.topics.map((t) => `${t}=${config.topics[t]?.partitions ?? 'unknown'}`).join(', ')}`,
    );
  }
  return count;
}

/** Ships schemas/ beside the bundle, where SCHEMAS_DIR points. */
function schemasHook(schemasDir: string, projectRoot: string): nodejs.ICommandHooks {
  const fromRoot = relative(projectRoot, schemasDir);
  if (fromRoot.startsWith('..')) throw new ConstructPropsError(`StreamProcessor: schemasDir must be inside the project root ${projectRoot}; got '${schemasDir}'`);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${join(inputDir, fromRoot)}" "${join(outputDir, 'schemas')}"`],
  };
}
