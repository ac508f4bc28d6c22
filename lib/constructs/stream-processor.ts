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
  aws_sqs as sqs,
  type aws_s3 as s3,
} from 'aws-cdk-lib';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { RemovalPolicyName } from '../config/pipeline-config.js';
import { DeadLetterBucket } from './dead-letter-bucket.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';
import { deployedProcessorResources } from '../config/resource-names.js';
import { allowCloudWatchLogs } from './encrypted-logs.js';
import type { MonitoredInput, MonitoredProcessor } from './monitored-processor.js';
import { PROCESSOR_BUNDLING, processorEsbuildArgs } from './processor-bundling.js';
import {
  grantKeyUse,
  grantPutObjects,
  grantSchemaRegistry,
  grantSendMessages,
  grantStateTable,
  grantVpcAccess,
} from './processor-permissions.js';
import { ProcessorQueues } from './processor-queues.js';
import { ProcessorTable } from './processor-table.js';

type ProcessorSettings = EnvironmentConfig['processors'][string];

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

/** One mapping per input topic: a Kafka event source mapping reads exactly one topic. */
export interface ProcessorEventSource {
  readonly topic: string;
  readonly consumerGroupId: string;
  readonly mapping: lambda.EventSourceMapping;
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
      throw new Error(`StreamProcessor: processorName must name a folder of functions/ with a handler.ts; '${entry}' does not exist`);
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
      ...(props.serverAccessLogsBucket === undefined ? {} : { serverAccessLogsBucket: props.serverAccessLogsBucket }),
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
      ...(settings.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: settings.reservedConcurrency }),
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
      props.kafka.grantEventSourceMapping(this.role, [topic], consumerGroupId);
      const mapping = this.addMapping(topic, consumerGroupId, settings, props.kafka, onFailure, registryArn);
      return { topic, consumerGroupId, mapping };
    });
    const [first] = this.eventSources;
    if (first === undefined) throw new Error(`StreamProcessor: processors.${processorName}.topics must name at least one topic`);
    this.consumerGroupId = first.consumerGroupId;
    this.eventSourceMappingId = first.mapping.eventSourceMappingId;
    this.inputs = this.eventSources.map((s) => ({ topic: s.topic, consumerGroupId: s.consumerGroupId, eventSourceMappingId: s.mapping.eventSourceMappingId }));

    this.suppressServiceWildcards();
  }

  /** The processor as the alarms and the dashboard see it. */
  public get monitored(): MonitoredProcessor {
    return this;
  }

  private addMapping(
    topic: string,
    consumerGroupId: string,
    settings: ProcessorSettings,
    kafka: KafkaClusterAccess,
    onFailure: lambda.IEventSourceDlq,
    registryArn: string,
  ): lambda.EventSourceMapping {
    const mapping = new lambda.EventSourceMapping(this, `Mapping-${topic}`, {
      target: this.function,
      eventSourceArn: kafka.clusterArn,
      kafkaTopic: topic,
      // Stable on purpose: a new group id starts over from startingPosition.
      kafkaConsumerGroupId: consumerGroupId,
      startingPosition: lambda.StartingPosition[settings.startingPosition],
      ...(settings.startingPositionTimestamp === undefined ? {} : { startingPositionTimestamp: settings.startingPositionTimestamp }),
      batchSize: settings.batchSize,
      maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
      retryAttempts: settings.retryAttempts,
      // -1 / false are the service defaults; leaving them out keeps on-demand mappings valid.
      ...(settings.maxRecordAgeSeconds === -1 ? {} : { maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds) }),
      ...(settings.bisectBatchOnError ? { bisectBatchOnError: true } : {}),
      // The handlers answer with partial batch responses (functions/core/msk/batch-response.ts).
      reportBatchItemFailures: true,
      onFailure,
      ...(settings.provisionedPollers === undefined
        ? {}
        : { provisionedPollerConfig: { minimumPollers: settings.provisionedPollers.minimum, maximumPollers: settings.provisionedPollers.maximum } }),
      ...(settings.schemaRegistryIntegration ? { schemaRegistryConfig: glueSourceFormat(registryArn) } : {}),
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    // The mapping checks its role and its topic when it is created.
    mapping.node.addDependency(this.role);
    mapping.node.addDependency(kafka.topicsReady);
    return mapping;
  }

  /** CloudWatch Logs encrypts the log group with the key only if the key policy lets it. */


  private suppressServiceWildcards(): void {
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Only where the service demands it: EC2 authorizes the network-interface calls of a VPC function on `*`; ' +
            'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; Glue authorizes GetSchemaVersion by ' +
            'schema version id only on `*` (awslabs/aws-glue-schema-registry#68). Every other statement names its ARNs.',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'The registry\'s schemas (schema/<registry>/*): the decoder reads any subject of its own registry and no other.',
          appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:schema\\/.*\\/\\*$/g' }],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'Dead-letter payloads are written under generated keys of this processor\'s own bucket; s3:PutObject only.',
          appliesTo: [{ regex: '/^Resource::<.*DeadLetterPayloads.*\\.Arn>\\/\\*$/g' }],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'The state table\'s indexes (table/<name>/index/*): the engine queries its open-windows index.',
          appliesTo: [{ regex: '/^Resource::<.*State.*\\.Arn>\\/index\\/\\*$/g' }],
        },
      ],
      true,
    );
  }
}

function processorSettings(config: EnvironmentConfig, processorName: string): ProcessorSettings {
  const settings = config.processors[processorName];
  if (settings === undefined) {
    const known = Object.keys(config.processors).join(', ');
    throw new Error(`StreamProcessor: processorName must be a key of config.processors (${known}); got '${processorName}'`);
  }
  return settings;
}

/** INPUT_PARTITIONS: the engine's watermark counts partitions, so every input topic must agree. */
function inputPartitions(config: EnvironmentConfig, processorName: string, settings: ProcessorSettings): number {
  const counts = new Set(settings.topics.map((t) => config.topics[t]?.partitions));
  const [count] = counts;
  if (counts.size !== 1 || count === undefined) {
    throw new Error(
      `StreamProcessor: processors.${processorName}.topics must all be keys of topics with the same partition count (INPUT_PARTITIONS); ` +
        `got ${settings.topics.map((t) => `${t}=${config.topics[t]?.partitions ?? 'unknown'}`).join(', ')}`,
    );
  }
  return count;
}

/**
 * The on-failure destination of a processor's mappings: CDK's SqsDlq, which
 * grants the function's role sqs:SendMessage, GetQueueAttributes and
 * GetQueueUrl on the queue as it binds. It is handed the queue by ARN alone,
 * without its key: handed the queue itself, Queue.grantSendMessages would
 * also grant kms:ReEncrypt* and kms:GenerateDataKey* on the processor's key,
 * wildcard actions the role does without (it uses the key with the exact
 * actions of grantKeyUse, which the mapping needs to send to the encrypted
 * queue). One per processor: `scope` gets the child `OnFailureDestination`.
 */
function onFailureQueueDestination(scope: Construct, queue: sqs.IQueue): lambda.IEventSourceDlq {
  return new SqsDlq(sqs.Queue.fromQueueArn(scope, 'OnFailureDestination', queue.queueArn));
}

/**
 * The mapping validates values with the Glue registry and hands over the
 * source bytes with schema metadata.
 *
 * Written out rather than CDK's aws_lambda_event_sources.GlueSchemaRegistry,
 * which renders the same SchemaRegistryConfig but cannot take this
 * registry: given `schemaRegistryArn`, it matches the ARN against
 * /^arn:[^:]+:glue:[^:]+:[^:]+:registry\/([^/]+)$/ at bind and throws on
 * anything else, which the app's ARN is (a reference to the schemas stack's
 * registry, an Fn::ImportValue token); its other form takes the registry's
 * glue.CfnRegistry, which the processing stack is not given. It would also
 * add glue:GetRegistry and glue:GetSchemaVersion statements on the registry
 * and its schemas that grantSchemaRegistry already makes (with
 * GetSchemaVersion on `*`, which lookups by version id need).
 */
function glueSourceFormat(registryArn: string): lambda.ISchemaRegistry {
  return {
    bind: () => ({
      schemaRegistryUri: registryArn,
      eventRecordFormat: lambda.EventRecordFormat.SOURCE,
      schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
    }),
  };
}

/** Ships schemas/ beside the bundle, where SCHEMAS_DIR points. */
function schemasHook(schemasDir: string, projectRoot: string): nodejs.ICommandHooks {
  const fromRoot = relative(projectRoot, schemasDir);
  if (fromRoot.startsWith('..')) throw new Error(`StreamProcessor: schemasDir must be inside the project root ${projectRoot}; got '${schemasDir}'`);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${join(inputDir, fromRoot)}" "${join(outputDir, 'schemas')}"`],
  };
}
