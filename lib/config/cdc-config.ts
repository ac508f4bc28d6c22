import { z } from 'zod';
import { intBetween, kebabName } from './config-rules.js';
import type { mskConfigSchema } from './streaming-config.js';

/** The `cdc` section of the configuration: change data capture from a database into the topics, with Debezium, DMS or neither. */

const tableName = z.string().regex(/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/, "must be 'schema.table' (for MySQL, 'database.table')");

const databaseSource = z.strictObject({
  engine: z.enum(['postgres', 'mysql']),
  hostname: z.string().min(1, 'must be the database host name'),
  port: intBetween(1, 65_535),
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
        name: kebabName('connector name'),
        kind: z.enum(['changes', 'outbox']),
        table: tableName,
        /** Where `changes` writes; an `outbox` routes by row instead. */
        topic: z.string().min(1).optional(),
      }),
    )
    .min(1, 'must list at least one connector'),
  /** Fargate task size: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html */
  cpu: z.union([z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  memoryMiB: intBetween(1024, 30_720),
  /** Kafka Connect workers; Connect rebalances the connector's task between them. */
  workers: intBetween(1, 10),
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

export const cdcConfigSchema = z.discriminatedUnion('engine', [noCdc, debeziumCdc, dmsCdc]);

export type CdcConfig = z.input<typeof cdcConfigSchema>;
export type DatabaseSourceConfig = z.input<typeof databaseSource>;
export type DebeziumCdcConfig = z.input<typeof debeziumCdc>;
export type DmsCdcConfig = z.input<typeof dmsCdc>;
export type DebeziumConnectorConfig = DebeziumCdcConfig['connectors'][number];

/** The rules of the capture that depend on the topics it writes to and the cluster they are on. */
export function checkCdc(cdc: z.output<typeof cdcConfigSchema>, topics: Readonly<Record<string, unknown>>, msk: z.output<typeof mskConfigSchema>, ctx: z.RefinementCtx): void {
  if (cdc.engine !== 'none' && cdc.source.securityGroupId === undefined && cdc.source.cidr === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['cdc', 'source', 'cidr'],
      message: "is required when cdc.source.securityGroupId is not set: the database port is opened only to the database's security group or CIDR, never to 0.0.0.0/0",
    });
  }
  if (cdc.engine === 'debezium') {
    const seen = new Set<string>();
    cdc.connectors.forEach((connector, i) => {
      if (seen.has(connector.name)) ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'name'], message: `must be unique; '${connector.name}' repeats` });
      seen.add(connector.name);
      if (connector.kind === 'changes' && connector.topic === undefined) {
        ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: "is required for a 'changes' connector" });
      }
      if (connector.kind === 'outbox' && connector.topic !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: "must be omitted for an 'outbox' connector, which routes each row by its aggregate_type" });
      }
      if (connector.topic !== undefined && !(connector.topic in topics)) {
        ctx.addIssue({ code: 'custom', path: ['cdc', 'connectors', i, 'topic'], message: `must be a key of topics; '${connector.topic}' is not` });
      }
    });
  }
  if (cdc.engine === 'dms') {
    // DMS reaches Kafka with SASL/SCRAM at best, never with IAM, and MSK Serverless accepts only IAM.
    if (msk.kind !== 'provisioned') {
      ctx.addIssue({ code: 'custom', path: ['cdc', 'engine'], message: "'dms' needs msk.kind 'provisioned': DMS cannot authenticate with IAM, the only method of MSK Serverless" });
    }
    if (cdc.minCapacityUnits > cdc.maxCapacityUnits) {
      ctx.addIssue({ code: 'custom', path: ['cdc', 'minCapacityUnits'], message: 'must not exceed cdc.maxCapacityUnits' });
    }
    if (!(cdc.topic in topics)) ctx.addIssue({ code: 'custom', path: ['cdc', 'topic'], message: `must be a key of topics; '${cdc.topic}' is not` });
  }
}
