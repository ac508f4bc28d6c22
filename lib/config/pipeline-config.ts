import { z } from 'zod';

/**
 * The shape of one environment's configuration (lib/config/<env>.ts). Every
 * rule here runs at synth, before any construct is built, so a wrong value
 * fails `cdk synth` with the key's path and the rule it broke. Ranges follow
 * the AWS limits of the property each key becomes; the links name them.
 */

const name = (what: string): z.ZodString =>
  z.string().regex(/^[a-z][a-z0-9-]*$/, `must be a ${what}: lower-case letters, digits and '-', starting with a letter`);

const int = (min: number, max: number): z.ZodNumber =>
  z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const RemovalPolicyName = { RETAIN: 'retain', DESTROY: 'destroy' } as const;

const newVpc = z.strictObject({
  kind: z.literal('new'),
  /** The VPC's IPv4 range. */
  cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-8])$/, 'must be an IPv4 CIDR block from /16 to /28'),
  /** Availability zones the VPC spans; a provisioned MSK cluster puts brokers in each. */
  availabilityZones: int(2, 3),
  /** NAT gateways for the private subnets' egress (ECR, Secrets Manager, the Glue and DynamoDB endpoints are private). */
  natGateways: int(1, 3),
});

const existingVpc = z.strictObject({
  kind: z.literal('existing'),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as 'vpc-0abc12345def67890'"),
  /** The zones of `privateSubnetIds`, in the same order; synth needs them without an AWS lookup. */
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be a zone name such as 'eu-west-1a'")).min(2).max(3),
  /** Private subnets with egress, one per zone. */
  privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id such as 'subnet-0abc1234'")).min(2).max(3),
});

const serverlessMsk = z.strictObject({
  kind: z.literal('serverless'),
});

/** https://docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html */
const provisionedMsk = z.strictObject({
  kind: z.literal('provisioned'),
  /** A multiple of the number of availability zones. */
  brokerCount: int(2, 30),
  instanceType: z.string().regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "must be an MSK broker type such as 'kafka.m7g.large'"),
  kafkaVersion: z.string().regex(/^\d+\.\d+\.\d+(\.x)?(\.tiered)?$|^\d+\.\d+\.x$/, "must be an MSK Kafka version such as '3.9.x'"),
  /** EBS storage per broker in GiB. */
  volumeSizeGiB: int(1, 16_384),
  /** Tiered storage keeps old segments in S3; it needs a kafka.m5/m7g.large or larger broker. */
  tieredStorage: z.boolean(),
  /** How many days the broker logs are kept in CloudWatch Logs. */
  brokerLogRetentionDays: z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365)]),
});

/** https://kafka.apache.org/documentation/#topicconfigs */
const topic = z.strictObject({
  /** The Glue subject whose schema governs the topic's values; must be a folder of schemas/. */
  subject: z.string().min(1).optional(),
  partitions: int(1, 10_000),
  /** Serverless MSK fixes this at 3; the value must then be 3. */
  replicationFactor: int(1, 5),
  minInSyncReplicas: int(1, 5),
  /** retention.ms; -1 keeps records forever. */
  retentionHours: z.number().int().min(-1, 'must be -1 (forever) or a number of hours').refine((h) => h !== 0, 'must not be 0'),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
  /**
   * local.retention.ms, in hours, of a topic in tiered storage (provisioned
   * `msk.tieredStorage` and cleanupPolicy 'delete'): how long brokers keep a
   * segment on their own disks once it is also in remote storage. Below
   * retentionHours, as MSK requires. Kafka's -2 (as long as retention.ms) is
   * refused: brokers would keep everything and tiering would save no disk.
   * https://docs.aws.amazon.com/msk/latest/developerguide/msk-guidelines-tiered-storage-topic-level-config.html
   * @default 24 on a tiered topic (DEFAULT_LOCAL_RETENTION_HOURS); not allowed on others
   */
  localRetentionHours: z
    .number()
    .int('must be a whole number')
    .min(1, "must be at least 1 hour: Kafka's -2 (as long as retention.ms) would keep every segment on the brokers and tiered storage would save no disk")
    .optional(),
  /**
   * local.retention.bytes of a tiered topic, per partition; the broker
   * deletes a local segment at whichever of the two limits comes first.
   * @default no size limit: retention.bytes is left unlimited, so only localRetentionHours bounds the local copy
   */
  localRetentionBytes: z.number().int('must be a whole number').min(1, 'must be at least 1 byte').optional(),
});

/** MSK's shortest retention.ms for a topic in tiered storage: three days. */
const TIERED_MIN_RETENTION_HOURS = 72;

const tableName = z.string().regex(/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/, "must be 'schema.table' (for MySQL, 'database.table')");

const databaseSource = z.strictObject({
  engine: z.enum(['postgres', 'mysql']),
  hostname: z.string().min(1, 'must be the database host name'),
  port: int(1, 65_535),
  database: z.string().min(1),
  /** Secrets Manager secret holding `username` and `password` for the capture user. */
  secretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  /** Security group of the database: the CDC workloads open the database port to it, and it admits them. */
  securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id such as 'sg-0abc1234'").optional(),
  /**
   * The database's subnet or address, for a database whose security group
   * the pipeline cannot name (another account, on premises): the CDC
   * workloads open the database port to this range only. Required when
   * `securityGroupId` is not set; the port is never opened to 0.0.0.0/0.
   */
  cidr: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}\/(8|9|[12]\d|3[0-2])$/, "must be an IPv4 CIDR block from /8 to /32 such as '10.40.200.0/24' (the database's subnet)")
    .optional(),
});

/** https://debezium.io/documentation/reference/stable/connectors/postgresql.html */
const debeziumCdc = z.strictObject({
  engine: z.literal('debezium'),
  source: databaseSource,
  /**
   * One connector per captured table, each with its own replication slot:
   * `changes` writes every change of the table as a Debezium JSON envelope
   * to `topic`; `outbox` routes the rows of a transactional outbox table
   * with Debezium's EventRouter to the topic each row's `aggregate_type`
   * names, its payload bytes unchanged.
   */
  connectors: z
    .array(
      z.strictObject({
        name: name('connector name'),
        kind: z.enum(['changes', 'outbox']),
        table: tableName,
        /** Where `changes` writes; an `outbox` routes by row instead. */
        topic: z.string().min(1).optional(),
      }),
    )
    .min(1, 'must list at least one connector'),
  /** Fargate task size: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html */
  cpu: z.union([z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  memoryMiB: int(1024, 30_720),
  /** Kafka Connect workers; Connect rebalances the connector's task between them. */
  workers: int(1, 10),
});

/** https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Serverless.html */
const dmsCdc = z.strictObject({
  engine: z.literal('dms'),
  source: databaseSource,
  /** DMS capacity units of the serverless replication. */
  minCapacityUnits: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128), z.literal(192), z.literal(256), z.literal(384)]),
  maxCapacityUnits: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128), z.literal(192), z.literal(256), z.literal(384)]),
  /** Tables to capture, full load then changes. */
  tables: z.array(tableName).min(1, 'must list at least one table'),
  /** The topic every captured table is written to, keyed by primary key. */
  topic: z.string().min(1),
  /**
   * Create the account-wide IAM roles DMS needs, `dms-vpc-role` and
   * `dms-cloudwatch-logs-role`, with this environment's CDC stack (retained
   * when it is deleted). Their names are fixed per account: set this in one
   * environment of an account at most, and only if the roles do not exist.
   * @default false: the roles must exist; docs/runbooks/dms-account-roles.md creates them with the AWS CLI
   */
  createAccountRoles: z.boolean().default(false),
});

const noCdc = z.strictObject({ engine: z.literal('none') });

/**
 * One processor's function and event source mapping.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
const processor = z
  .strictObject({
    /** The topics the processor reads; each must be in `topics`. */
    topics: z.array(z.string().min(1)).min(1, 'must name at least one topic'),
    batchSize: int(1, 10_000),
    maxBatchingWindowSeconds: int(0, 300),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']),
    /** Unix seconds; required with AT_TIMESTAMP. */
    startingPositionTimestamp: z.number().int().min(0).optional(),
    /**
     * Retries of a failed batch before the mapping gives it up to the
     * on-failure queue (the records are then skipped). -1 is refused: with
     * an on-failure destination, which every processor has, Lambda turns
     * infinite retries into 10, too few to ride out a DLQ or DynamoDB
     * outage of minutes without skipping records.
     */
    retryAttempts: z
      .number()
      .int()
      .min(0, 'must be 0 to 10000: -1 would mean 10, since Lambda caps infinite retries at 10 when an on-failure destination is set, and every processor has one')
      .max(10_000, 'must be at most 10000'),
    /** -1 keeps retrying whatever the age; otherwise 60 to 604800 seconds. */
    maxRecordAgeSeconds: z.number().int().refine((s) => s === -1 || (s >= 60 && s <= 604_800), 'must be -1 (infinite) or 60 to 604800'),
    bisectBatchOnError: z.boolean(),
    memoryMiB: int(128, 10_240),
    timeoutSeconds: int(1, 900),
    /** Reserved concurrency; omitted, the function shares the account's pool. */
    reservedConcurrency: int(1, 1000).optional(),
    /**
     * Provisioned mode of the mapping: always-on event pollers. Required,
     * because Kafka mappings honour partial batch responses (and retries,
     * record age, bisect and the schema registry) only in provisioned mode,
     * and the handlers answer every batch with one: without it a partition
     * the handler asked to retry would be taken as done.
     * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
     */
    provisionedPollers: z.strictObject({ minimum: int(1, 200), maximum: int(1, 2000) }, {
      error: (issue) => (issue.input === undefined ? 'is required: Kafka mappings honour the partial batch responses the handlers return only with provisioned pollers' : undefined),
    }),
    /** Let the mapping validate records against the Glue registry before invoking, passing them on in their SOURCE format. */
    schemaRegistryIntegration: z.boolean(),
  })
  .superRefine((p, ctx) => {
    if (p.startingPosition === 'AT_TIMESTAMP' && p.startingPositionTimestamp === undefined) {
      ctx.addIssue({ code: 'custom', path: ['startingPositionTimestamp'], message: 'is required when startingPosition is AT_TIMESTAMP' });
    }
    if (p.startingPosition !== 'AT_TIMESTAMP' && p.startingPositionTimestamp !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['startingPositionTimestamp'], message: 'is only allowed when startingPosition is AT_TIMESTAMP' });
    }
    if (p.provisionedPollers !== undefined && p.provisionedPollers.minimum > p.provisionedPollers.maximum) {
      ctx.addIssue({ code: 'custom', path: ['provisionedPollers', 'minimum'], message: 'must not exceed provisionedPollers.maximum' });
    }
  });

const alarms = z.strictObject({
  /**
   * Addresses subscribed to the alarm topic; each gets a confirmation mail
   * on deploy. With `emailParameter` false, at least one is required unless
   * `nobodyNotified` says otherwise.
   */
  emails: z.array(z.email('must be an e-mail address')),
  /**
   * Also subscribe one address given at deploy time as the observability
   * stack's CloudFormation parameter `AlarmEmail`
   * (`cdk deploy --parameters realtime-pipeline-<env>-observability:AlarmEmail=oncall@example.org`).
   * The config then needs no address of its own, synth still needs none,
   * and CloudFormation refuses the deploy until one is given; CDK reuses it
   * on later deploys.
   * @default false
   */
  emailParameter: z.boolean().default(false),
  /**
   * Deploy alarms that notify nobody: they still change state and show on
   * the dashboard. Without it, an alarm topic with no subscriber fails synth.
   * @default false
   */
  nobodyNotified: z.boolean().default(false),
  /** ESM OffsetLag (records behind) that pages. */
  offsetLagRecords: int(1, 1_000_000_000),
  /** MSK EstimatedMaxTimeLag (seconds behind) that pages. */
  estimatedTimeLagSeconds: int(1, 604_800),
  /** MSK MaxOffsetLag (records behind on the worst partition) that pages. */
  maxOffsetLagRecords: int(1, 1_000_000_000),
  /** Messages added to a DLQ within one hour that count as growth. */
  deadLetterGrowthPerHour: int(1, 1_000_000),
  /** Percent of the timeout the p99 duration may reach before it alarms. */
  durationPercentOfTimeout: int(10, 100),
  /** End-to-end latency p99 in milliseconds (event time to commit). */
  latencyP99Ms: int(100, 86_400_000),
  /** Consecutive minutes a condition must hold before the alarm fires. */
  evaluationMinutes: int(1, 60),
});

export const pipelineConfigSchema = z
  .strictObject({
    /** Optional: without them the stacks are environment-agnostic and synth needs no AWS account. */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region such as 'eu-west-1'").optional(),
    /** What happens to tables, queues, buckets, keys and logs when the stack is deleted. */
    removalPolicy: z.enum([RemovalPolicyName.RETAIN, RemovalPolicyName.DESTROY]),
    vpc: z.discriminatedUnion('kind', [newVpc, existingVpc]),
    msk: z.discriminatedUnion('kind', [serverlessMsk, provisionedMsk]),
    topics: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name'), topic),
    cdc: z.discriminatedUnion('engine', [noCdc, debeziumCdc, dmsCdc]),
    processors: z.record(name('processor name (a folder of functions/)'), processor),
    alarms,
  })
  .superRefine((c, ctx) => {
    for (const [topicName, t] of Object.entries(c.topics)) {
      if (t.minInSyncReplicas > t.replicationFactor) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'minInSyncReplicas'], message: 'must not exceed replicationFactor' });
      }
      if (c.msk.kind === 'serverless' && t.replicationFactor !== 3) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'replicationFactor'], message: 'must be 3 on serverless MSK, which fixes it' });
      }
      if (c.msk.kind === 'serverless' && t.minInSyncReplicas !== 2) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'minInSyncReplicas'], message: 'must be 2 on serverless MSK, which fixes it' });
      }
      if (c.msk.kind === 'provisioned' && t.replicationFactor > c.msk.brokerCount) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'replicationFactor'], message: `must not exceed msk.brokerCount (${c.msk.brokerCount})` });
      }
      checkTieredRetention(c.msk, topicName, t, ctx);
    }
    if (c.msk.kind === 'provisioned') {
      const zones = c.vpc.kind === 'new' ? c.vpc.availabilityZones : c.vpc.availabilityZones.length;
      if (c.msk.brokerCount % zones !== 0) {
        ctx.addIssue({ code: 'custom', path: ['msk', 'brokerCount'], message: `must be a multiple of the VPC's ${zones} availability zones` });
      }
    }
    const subscribed = c.alarms.emails.length > 0 || c.alarms.emailParameter;
    if (!subscribed && !c.alarms.nobodyNotified) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarms', 'emails'],
        message: 'must list at least one address, or alarms.emailParameter must be true to take one at deploy: the alarms would notify nobody. Set alarms.nobodyNotified: true if that is meant',
      });
    }
    if (subscribed && c.alarms.nobodyNotified) {
      ctx.addIssue({ code: 'custom', path: ['alarms', 'nobodyNotified'], message: 'must be false when alarms.emails or alarms.emailParameter subscribes someone' });
    }
    if (c.vpc.kind === 'existing' && c.vpc.availabilityZones.length !== c.vpc.privateSubnetIds.length) {
      ctx.addIssue({ code: 'custom', path: ['vpc', 'privateSubnetIds'], message: 'must have one subnet per entry of vpc.availabilityZones' });
    }
    for (const [processorName, p] of Object.entries(c.processors)) {
      p.topics.forEach((t, i) => {
        if (!(t in c.topics)) ctx.addIssue({ code: 'custom', path: ['processors', processorName, 'topics', i], message: `must be a key of topics; '${t}' is not` });
      });
      if (p.schemaRegistryIntegration && p.topics.some((t) => c.topics[t]?.subject === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['processors', processorName, 'schemaRegistryIntegration'], message: 'needs every topic of the processor to name its subject' });
      }
    }
    if (c.cdc.engine !== 'none' && c.cdc.source.securityGroupId === undefined && c.cdc.source.cidr === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['cdc', 'source', 'cidr'],
        message: "is required when cdc.source.securityGroupId is not set: the database port is opened only to the database's security group or CIDR, never to 0.0.0.0/0",
      });
    }
    if (c.cdc.engine === 'debezium') {
      const seen = new Set<string>();
      c.cdc.connectors.forEach((connector, i) => {
        if (seen.has(connector.name)) ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'name'], message: `must be unique; '${connector.name}' repeats` });
        seen.add(connector.name);
        if (connector.kind === 'changes' && connector.topic === undefined) {
          ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: "is required for a 'changes' connector" });
        }
        if (connector.kind === 'outbox' && connector.topic !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: "must be omitted for an 'outbox' connector, which routes each row by its aggregate_type" });
        }
        if (connector.topic !== undefined && !(connector.topic in c.topics)) {
          ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: `must be a key of topics; '${connector.topic}' is not` });
        }
      });
    }
    if (c.cdc.engine === 'dms') {
      // DMS reaches Kafka with SASL/SCRAM at best, never with IAM, and MSK Serverless accepts only IAM.
      if (c.msk.kind !== 'provisioned') {
        ctx.addIssue({ code: 'custom', path: ['cdc', 'engine'], message: "'dms' needs msk.kind 'provisioned': DMS cannot authenticate with IAM, the only method of MSK Serverless" });
      }
      if (c.cdc.minCapacityUnits > c.cdc.maxCapacityUnits) {
        ctx.addIssue({ code: 'custom', path: ['cdc', 'minCapacityUnits'], message: 'must not exceed cdc.maxCapacityUnits' });
      }
      if (!(c.cdc.topic in c.topics)) ctx.addIssue({ code: 'custom', path: ['cdc', 'topic'], message: `must be a key of topics; '${c.cdc.topic}' is not` });
    }
  });

/** The retention rules of MSK tiered storage, on the topics it applies to; local retention keys anywhere else are refused. */
function checkTieredRetention(msk: z.output<typeof provisionedMsk> | z.output<typeof serverlessMsk>, topicName: string, t: z.output<typeof topic>, ctx: z.RefinementCtx): void {
  const tiered = msk.kind === 'provisioned' && msk.tieredStorage && t.cleanupPolicy === 'delete';
  if (!tiered) {
    for (const key of ['localRetentionHours', 'localRetentionBytes'] as const) {
      if (t[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, key], message: "only applies to a topic in tiered storage: msk.kind 'provisioned' with msk.tieredStorage true, and cleanupPolicy 'delete'" });
      }
    }
    return;
  }
  if (t.retentionHours === -1) return;
  if (t.retentionHours < TIERED_MIN_RETENTION_HOURS) {
    ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'retentionHours'], message: `must be -1 or at least ${TIERED_MIN_RETENTION_HOURS} (3 days) on a topic in tiered storage, MSK's minimum` });
  }
  if (t.localRetentionHours !== undefined && t.localRetentionHours >= t.retentionHours) {
    ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'localRetentionHours'], message: `must be less than retentionHours (${t.retentionHours}): MSK refuses a local retention equal to or above the topic's retention` });
  }
}

/** One environment's configuration as written in lib/config/<env>.ts. */
export type PipelineConfig = z.input<typeof pipelineConfigSchema>;
export type TopicConfig = PipelineConfig['topics'][string];
export type ProcessorConfig = PipelineConfig['processors'][string];
export type CdcConfig = PipelineConfig['cdc'];
export type MskConfig = PipelineConfig['msk'];
export type VpcConfig = PipelineConfig['vpc'];
export type AlarmsConfig = PipelineConfig['alarms'];
export type DatabaseSourceConfig = z.input<typeof databaseSource>;
export type DebeziumCdcConfig = z.input<typeof debeziumCdc>;
export type DmsCdcConfig = z.input<typeof dmsCdc>;
export type DebeziumConnectorConfig = DebeziumCdcConfig['connectors'][number];
