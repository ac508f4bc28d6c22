import { fileURLToPath } from 'node:url';
import type { aws_iam as iam } from 'aws-cdk-lib';
import {
  CustomResource,
  Duration,
  RemovalPolicy,
  aws_ec2 as ec2,
  aws_ecr_assets as ecrAssets,
  aws_ecs as ecs,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  aws_logs as logs,
  aws_servicediscovery as servicediscovery,
  custom_resources as cr,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  DATABASE_PASSWORD_ENV,
  DATABASE_USER_ENV,
  ENV_CONFIG_PROVIDER,
  HEARTBEAT_TOPIC_PREFIX,
  MSK_IAM_CLIENT_SECURITY,
  SCHEMA_HISTORY_TOPIC_PREFIX,
  connectorNames,
  debeziumConnectorConfig,
  envReference,
  type CdcConnector,
} from '../cdc/debezium-connector-config.js';
import type { DatabaseSourceConfig } from '../config/cdc-config.js';
import { allowDatabaseEgress } from './database-egress.js';
import { LogsKey, encryptedLogGroup } from './encrypted-logs.js';
import { suppressProviderFrameworkFindings } from './provider-nag.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';
import { importSourceSecret } from './source-secret.js';
import { ConstructPropsError } from '../errors.js';

export const CONNECT_REST_PORT = 8083;
const IMAGE_DIR = fileURLToPath(new URL('../../docker/debezium-connect/', import.meta.url));
const REGISTRATION_ENTRY = fileURLToPath(new URL('../../functions/connector-registration/handler.ts', import.meta.url));

export interface DebeziumConnectProps {
  /** Names the worker group, its internal topics, cluster, log group and DNS namespace: `realtime-pipeline-<env>`. */
  readonly namePrefix: string;
  readonly vpc: ec2.IVpc;
  readonly kafka: KafkaClusterAccess;
  /** The database captured (`config.cdc.source`); its secret holds `username` and `password`. */
  readonly source: DatabaseSourceConfig;
  /** `config.cdc.connectors`. */
  readonly connectors: readonly CdcConnector[];
  /** Partitions per topic (`config.topics`): a topic the worker would create gets the pipeline's count; outbox connectors may route to these topics only. */
  readonly topicPartitions: Readonly<Record<string, number>>;
  /** Fargate task CPU units: 512, 1024, 2048 or 4096. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Kafka Connect workers (Fargate tasks), 1 to 10. */
  readonly workers: number;
  /** @default RemovalPolicy.RETAIN for the log group and its key */
  readonly removalPolicy?: RemovalPolicy;
  /** Replication of the internal topics and of topics the worker creates. @default 3 (MSK Serverless fixes it at 3) */
  readonly replicationFactor?: number;
  /** How long the workers' and the connector registration's logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** How long a deployment waits for every connector to run. @default Duration.minutes(30) */
  readonly registrationTimeout?: Duration;
}

/**
 * Kafka Connect with Debezium on ECS Fargate, against MSK with IAM auth:
 * configs, offsets and status in MSK topics, the source credentials injected
 * by ECS from Secrets Manager and referenced by the connectors as
 * `${env:…}`, the REST API at `connect.<namespace>:8083` inside the VPC
 * only, and the connectors registered (created, updated, awaited RUNNING) on
 * every deploy by a custom resource.
 *
 * Deleting the stack deletes the connectors but not their Postgres
 * replication slots, which keep WAL until an operator drops them
 * (`SELECT pg_drop_replication_slot('rtp_…')`).
 */
export class DebeziumConnect extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.FargateService;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly taskRole: iam.IRole;
  /** `http://connect.<namespace>:8083`, reachable inside the VPC. */
  public readonly restUrl: string;
  public readonly registration: CustomResource;
  public readonly groupId: string;

  public constructor(scope: Construct, id: string, props: DebeziumConnectProps) {
    super(scope, id);
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const replicationFactor = props.replicationFactor ?? 3;
    this.groupId = `${props.namePrefix}-connect`;
    const internalTopics = ['configs', 'offsets', 'status'].map((t) => `${this.groupId}-${t}`);
    const secret = importSourceSecret(this, props.source.secretArn);

    const logKey = new LogsKey(this, 'LogKey', { description: `${props.namePrefix} Kafka Connect logs`, removalPolicy }).key;
    const encryptedLogs = (logGroupId: string): logs.LogGroup =>
      encryptedLogGroup(this, logGroupId, { encryptionKey: logKey, retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy });
    const logGroup = encryptedLogs('Logs');

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', { name: `${props.namePrefix}.connect.internal`, vpc: props.vpc });
    this.restUrl = `http://connect.${namespace.namespaceName}:${CONNECT_REST_PORT}`;

    // The brokers are reached through the cluster's client group; this group adds what only the workers need.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, allowAllOutbound: false, description: 'Kafka Connect workers (Debezium)' });
    // Fargate pulls the image from ECR (layers from S3), reads the secret and ships logs through the task's
    // own interface: the AWS APIs over HTTPS, through the NAT gateway or interface endpoints alike.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'ECR, S3, Secrets Manager, CloudWatch Logs and STS over HTTPS');
    // Workers forward REST calls to the group's leader.
    this.securityGroup.connections.allowInternally(ec2.Port.tcp(CONNECT_REST_PORT), 'Connect REST between workers');
    allowDatabaseEgress(this, this.securityGroup, props.source, 'DebeziumConnect');

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskRole = taskDefinition.taskRole;
    taskDefinition.addContainer('connect', {
      image: ecs.ContainerImage.fromAsset(IMAGE_DIR, { platform: ecrAssets.Platform.LINUX_AMD64 }),
      essential: true,
      portMappings: [{ containerPort: CONNECT_REST_PORT, name: 'rest' }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'connect' }),
      environment: workerEnvironment(props.kafka.bootstrapBrokers, this.groupId, internalTopics, replicationFactor, props.memoryMiB),
      secrets: {
        [DATABASE_USER_ENV]: ecs.Secret.fromSecretsManager(secret, 'username'),
        [DATABASE_PASSWORD_ENV]: ecs.Secret.fromSecretsManager(secret, 'password'),
      },
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: props.workers,
      securityGroups: [props.kafka.clientSecurityGroup, this.securityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      cloudMapOptions: { name: 'connect', cloudMapNamespace: namespace, dnsRecordType: servicediscovery.DnsRecordType.A, dnsTtl: Duration.seconds(10) },
    });
    this.service.node.addDependency(props.kafka.topicsReady);

    this.grantKafka(props, internalTopics);

    this.registration = this.register(props, encryptedLogs);
    this.suppressNag();
  }

  private grantKafka(props: DebeziumConnectProps, internalTopics: readonly string[]): void {
    const prefixes = props.connectors.map((c) => connectorNames(c.name).topicPrefix);
    const mysql = props.source.engine === 'mysql';
    const historyTopics = mysql ? [`${SCHEMA_HISTORY_TOPIC_PREFIX}*`] : [];
    props.kafka.grantManageTopics(this.taskRole, [...internalTopics, `${HEARTBEAT_TOPIC_PREFIX}*`, ...historyTopics]);
    props.kafka.grantConsume(this.taskRole, [...internalTopics, ...historyTopics], this.groupId);
    props.kafka.grantConsumerGroups(this.taskRole, this.groupId);
    // The MySQL history consumer joins `<topic.prefix>-schemahistory`.
    if (mysql) for (const prefix of prefixes) props.kafka.grantConsumerGroups(this.taskRole, `${prefix}-schemahistory`);
    const dataTopics = new Set<string>();
    for (const connector of props.connectors) {
      if (connector.topic !== undefined) dataTopics.add(connector.topic);
      else for (const topic of Object.keys(props.topicPartitions)) dataTopics.add(topic);
    }
    props.kafka.grantProduce(this.taskRole, [...internalTopics, ...historyTopics, `${HEARTBEAT_TOPIC_PREFIX}*`, ...dataTopics, ...prefixes.map((p) => `${p}.*`)]);
  }

  /** The connectors' configs, with `${env:…}` references for the credentials: nothing secret in the template. */
  private connectorConfigs(props: DebeziumConnectProps): { Name: string; Config: Record<string, string> }[] {
    const source = { ...props.source, user: envReference(DATABASE_USER_ENV), password: envReference(DATABASE_PASSWORD_ENV) };
    return props.connectors.map((connector) => ({
      Name: connector.name,
      Config: {
        ...debeziumConnectorConfig(connector, source, {
          topicCreation: {
            replicationFactor: props.replicationFactor ?? 3,
            partitions: connector.topic === undefined ? 1 : (props.topicPartitions[connector.topic] ?? 1),
          },
          bootstrapServers: props.kafka.bootstrapBrokers,
          kafkaClientSecurity: MSK_IAM_CLIENT_SECURITY,
        }),
      },
    }));
  }

  /** `logGroup(id)` makes a log group encrypted and kept like the workers' own. */
  private register(props: DebeziumConnectProps, logGroup: (id: string) => logs.LogGroup): CustomResource {
    const handlerLogs = logGroup('RegistrationLogs');
    const securityGroup = new ec2.SecurityGroup(this, 'RegistrationSecurityGroup', { vpc: props.vpc, allowAllOutbound: false, description: 'Connector registration: Kafka Connect REST only' });
    securityGroup.connections.allowTo(this.securityGroup, ec2.Port.tcp(CONNECT_REST_PORT), 'Kafka Connect REST');
    const handler = (name: string, exportName: string): nodejs.NodejsFunction => {
      const fn = new nodejs.NodejsFunction(this, name, {
        entry: REGISTRATION_ENTRY,
        handler: exportName,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        timeout: Duration.minutes(2),
        memorySize: 256,
        vpc: props.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        logGroup: handlerLogs,
        bundling: { format: nodejs.OutputFormat.ESM, target: 'node24', minify: true, sourceMap: false },
      });
      NagSuppressions.addResourceSuppressions(
        fn,
        [
          { id: 'AwsSolutions-IAM4', reason: 'Connector registration function: AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole are the minimal managed policies for a function in a VPC that logs', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'] },
        ],
        true,
      );
      return fn;
    };
    const provider = new cr.Provider(this, 'RegistrationProvider', {
      onEventHandler: handler('RegisterOnEvent', 'onEvent'),
      isCompleteHandler: handler('RegisterIsComplete', 'isComplete'),
      queryInterval: Duration.seconds(20),
      totalTimeout: props.registrationTimeout ?? Duration.minutes(30),
      logGroup: logGroup('RegistrationProviderLogs'),
    });
    suppressProviderFrameworkFindings(provider);
    const registration = new CustomResource(this, 'Connectors', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DebeziumConnectors',
      properties: { ConnectUrl: this.restUrl, Connectors: this.connectorConfigs(props) },
    });
    registration.node.addDependency(this.service, props.kafka.topicsReady);
    return registration;
  }

  private suppressNag(): void {
    const taskDefinition = this.service.taskDefinition;
    NagSuppressions.addResourceSuppressions(taskDefinition, [
      { id: 'AwsSolutions-ECS2', reason: 'The environment holds the worker configuration only (brokers, topics, SASL/IAM class names); the database credentials are ECS secrets from Secrets Manager' },
    ]);
    NagSuppressions.addResourceSuppressions(
      taskDefinition.taskRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'Kafka Connect task role, MSK IAM data plane only: topic and group ARNs end in * for the names Connect and Debezium derive (heartbeat topics, per-connector topic prefixes, schema history)',
          appliesTo: [{ regex: '/^Resource::arn:.*:kafka:.*:(topic|group)\\/.*\\*$/g' }],
        },
      ],
      true,
    );
    if (taskDefinition.executionRole !== undefined) {
      NagSuppressions.addResourceSuppressions(
        taskDefinition.executionRole,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason: 'ECS task execution role: ECR authorizes GetAuthorizationToken only on *; the image pull, log and secret statements name their repository, log group and secret',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    }
  }
}

/** The worker's environment, read by the Debezium image's entrypoint (docker/debezium-connect/README.md). */
function workerEnvironment(bootstrap: string, groupId: string, internalTopics: readonly string[], replicationFactor: number, memoryMiB: number): Record<string, string> {
  const [configs, offsets, status] = internalTopics as [string, string, string];
  const security = (prefix: string): Record<string, string> =>
    Object.fromEntries(Object.entries(MSK_IAM_CLIENT_SECURITY).map(([key, value]) => [`CONNECT_${prefix}${key.toUpperCase().replace(/\./g, '_')}`, value]));
  return {
    BOOTSTRAP_SERVERS: bootstrap,
    GROUP_ID: groupId,
    CONFIG_STORAGE_TOPIC: configs,
    OFFSET_STORAGE_TOPIC: offsets,
    STATUS_STORAGE_TOPIC: status,
    CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: String(replicationFactor),
    CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: String(replicationFactor),
    CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: String(replicationFactor),
    // Source offsets (the LSN or binlog position) every 5 s rather than 60 s: a restarted task replays less.
    OFFSET_FLUSH_INTERVAL_MS: '5000',
    // Three quarters of the task's memory for the heap, the rest for metaspace, threads and the OS.
    HEAP_OPTS: `-Xms${Math.floor(memoryMiB / 2)}m -Xmx${Math.floor((memoryMiB * 3) / 4)}m`,
    ...security(''),
    ...security('PRODUCER_'),
    ...security('CONSUMER_'),
    ...security('ADMIN_'),
    CONNECT_CONFIG_PROVIDERS: ENV_CONFIG_PROVIDER['config.providers'],
    CONNECT_CONFIG_PROVIDERS_ENV_CLASS: ENV_CONFIG_PROVIDER['config.providers.env.class'],
  };
}

/**
 * A complete secret ARN ends in Secrets Manager's `-` and six random
 * characters; a partial one (what a user copies from a name) does not, and is
 * matched by IAM with `-??????`.
 */
function validate(props: DebeziumConnectProps): void {
  const cpus = [512, 1024, 2048, 4096];
  if (!cpus.includes(props.cpu)) throw new ConstructPropsError(`DebeziumConnect: cpu must be one of ${cpus.join(', ')}; got ${props.cpu}`);
  if (!Number.isInteger(props.workers) || props.workers < 1 || props.workers > 10) throw new ConstructPropsError(`DebeziumConnect: workers must be 1 to 10; got ${props.workers}`);
  if (props.connectors.length === 0) throw new ConstructPropsError('DebeziumConnect: connectors must list at least one connector');
  const missing = props.connectors.find((c) => c.topic !== undefined && !(c.topic in props.topicPartitions));
  if (missing !== undefined) throw new ConstructPropsError(`DebeziumConnect: connector '${missing.name}' writes to topic '${missing.topic}', which is not in topicPartitions`);
}
