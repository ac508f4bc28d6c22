/**
 * Kafka Connect configurations of the Debezium connectors a pipeline runs,
 * built from `config.cdc.connectors` and the database they read. One builder
 * for every place a connector runs: the local stack (scripts/reference)
 * and Debezium on Fargate (lib/constructs/debezium-connect.ts), so what is
 * tested locally is what is deployed; only the database address, the
 * credentials (clear locally, `${env:…}` references on AWS), topic creation
 * and the Kafka client security differ.
 *
 * No aws-cdk-lib here: the local stack imports this file too.
 */

import { ConnectorConfigError } from '../errors.js';

export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';
export const MYSQL_CONNECTOR_CLASS = 'io.debezium.connector.mysql.MySqlConnector';

/** Heartbeats of an outbox connector, whose table is quiet between events. */
export const OUTBOX_HEARTBEAT_MS = 10_000;

/** Debezium's heartbeat topics are `__debezium-heartbeat.<topic.prefix>`. */
export const HEARTBEAT_TOPIC_PREFIX = '__debezium-heartbeat.';
/** Where a MySQL connector keeps its schema history: `__debezium-schema-history.<topic.prefix>`. */
export const SCHEMA_HISTORY_TOPIC_PREFIX = '__debezium-schema-history.';

/**
 * The environment variables the Connect worker holds the source credentials
 * in (injected by ECS from Secrets Manager), and the connector config values
 * that reference them through Kafka's EnvVarConfigProvider. Connect resolves
 * a `${env:…}` reference when it starts a task, so the REST API, the config
 * topic and CloudFormation only ever see the reference.
 */
export const DATABASE_USER_ENV = 'DATABASE_USER';
export const DATABASE_PASSWORD_ENV = 'DATABASE_PASSWORD';
export const ENV_CONFIG_PROVIDER = {
  'config.providers': 'env',
  'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
} as const;

/** A `${env:NAME}` reference, resolved by the worker's EnvVarConfigProvider. */
export function envReference(variable: string): string {
  return `\${env:${variable}}`;
}

/** One entry of `config.cdc.connectors`. */
export interface CdcConnector {
  /** Lower-case letters, digits and '-'; names the Connect connector and derives its slot, publication and topic prefix. */
  readonly name: string;
  readonly kind: 'changes' | 'outbox';
  /** `schema.table` (Postgres) or `database.table` (MySQL). */
  readonly table: string;
  /** Where a `changes` connector writes; an `outbox` routes each row by its `aggregate_type`. */
  readonly topic?: string;
}

/** Where and as whom Debezium reaches the database. */
export interface DebeziumSource {
  readonly engine: 'postgres' | 'mysql';
  readonly hostname: string;
  readonly port: number;
  readonly database: string;
  /** The user, or `envReference(DATABASE_USER_ENV)` on AWS. */
  readonly user: string;
  /** The password, or `envReference(DATABASE_PASSWORD_ENV)` on AWS. */
  readonly password: string;
}

/** The settings every Kafka client of the connector needs to reach the brokers. */
export type KafkaClientSecurity = Readonly<Record<string, string>>;

/** SASL/IAM on MSK with the aws-msk-iam-auth library on the classpath (docker/debezium-connect). */
export const MSK_IAM_CLIENT_SECURITY: KafkaClientSecurity = {
  'security.protocol': 'SASL_SSL',
  'sasl.mechanism': 'AWS_MSK_IAM',
  'sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
  'sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
};

export interface DebeziumConnectorOptions {
  /**
   * Lets the worker create a topic the connector writes to that does not
   * exist yet (heartbeat topics; a data topic should exist already).
   * @default no topic creation settings: the worker creates nothing
   */
  readonly topicCreation?: { readonly replicationFactor: number; readonly partitions: number };
  /** Brokers of the MySQL schema history. Required for a MySQL source. */
  readonly bootstrapServers?: string;
  /**
   * Client settings of the MySQL schema history's own producer and consumer
   * (the worker's settings do not reach them).
   * @default none: plaintext, as the local broker
   */
  readonly kafkaClientSecurity?: KafkaClientSecurity;
}

type ConnectorConfig = Readonly<Record<string, string>>;

/** The slot, publication and topic prefix a connector owns. */
export interface ConnectorNames {
  readonly slot: string;
  readonly publication: string;
  readonly topicPrefix: string;
}

/**
 * Each connector has its own slot, publication and topic prefix: a shared
 * slot would be held by one and retried forever by the other, and with
 * `publication.autocreate.mode=filtered` a shared publication would be
 * rewritten to the table list of whichever connector started last. A
 * trailing `-cdc` is dropped: every connector is one.
 */
export function connectorNames(connectorName: string): ConnectorNames {
  if (!/^[a-z][a-z0-9-]*$/.test(connectorName)) {
    throw new ConnectorConfigError(`Connector name must be lower-case letters, digits and '-', starting with a letter; got '${connectorName}'`);
  }
  const base = connectorName.replace(/-cdc$/, '');
  const slot = `rtp_${base.replace(/-/g, '_')}`;
  // Postgres truncates identifiers at 63 bytes, which would make two long names share a slot.
  if (slot.length > 63) throw new ConnectorConfigError(`Connector name '${connectorName}' gives slot '${slot}', longer than Postgres' 63 characters`);
  return { slot, publication: slot, topicPrefix: `rtp-${base}` };
}

/**
 * A MySQL replica's `server_id`, stable for a connector name (FNV-1a), and
 * clear of the small ids servers and their replicas usually take.
 * https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-property-database-server-id
 */
export function mysqlServerId(connectorName: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(connectorName)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const floor = 100_000;
  return floor + (hash % (0xffffffff - floor));
}

/** The schema history topic of a MySQL connector. */
export function schemaHistoryTopic(connectorName: string): string {
  return `${SCHEMA_HISTORY_TOPIC_PREFIX}${connectorNames(connectorName).topicPrefix}`;
}

/** The Kafka Connect configuration of one connector (without `name`, which the REST path carries). */
export function debeziumConnectorConfig(connector: CdcConnector, source: DebeziumSource, options: DebeziumConnectorOptions = {}): ConnectorConfig {
  const names = connectorNames(connector.name);
  const base = source.engine === 'postgres' ? postgresSource(connector, source, names) : mysqlSource(connector, source, names, options);
  const topicCreation: ConnectorConfig =
    options.topicCreation === undefined
      ? {}
      : {
          'topic.creation.default.replication.factor': String(options.topicCreation.replicationFactor),
          'topic.creation.default.partitions': String(options.topicCreation.partitions),
        };
  const shape = connector.kind === 'changes' ? changes(connector, names) : outbox();
  return { ...base, ...topicCreation, ...shape };
}

/** pgoutput and a slot and publication of the connector's own. */
function postgresSource(connector: CdcConnector, source: DebeziumSource, names: ConnectorNames): ConnectorConfig {
  return {
    'connector.class': POSTGRES_CONNECTOR_CLASS,
    'tasks.max': '1',
    'database.hostname': source.hostname,
    'database.port': String(source.port),
    'database.user': source.user,
    'database.password': source.password,
    'database.dbname': source.database,
    'topic.prefix': names.topicPrefix,
    // pgoutput ships with Postgres (and RDS); Debezium's default, decoderbufs, is an extension that must be installed.
    'plugin.name': 'pgoutput',
    'slot.name': names.slot,
    'publication.name': names.publication,
    // A publication of this connector's table only, created by the connector: nothing else is decoded for it.
    'publication.autocreate.mode': 'filtered',
    'table.include.list': connector.table,
  };
}

/**
 * The binlog as a replica with a server id of its own, and the table's DDL
 * history in a Kafka topic (the connector needs it to decode rows after a
 * restart). The history's producer and consumer are plain Kafka clients
 * built by the connector, so they get the client security explicitly.
 */
function mysqlSource(connector: CdcConnector, source: DebeziumSource, names: ConnectorNames, options: DebeziumConnectorOptions): ConnectorConfig {
  if (options.bootstrapServers === undefined) {
    throw new ConnectorConfigError(`Connector '${connector.name}': a MySQL source needs options.bootstrapServers for its schema history topic`);
  }
  const security = options.kafkaClientSecurity ?? {};
  const prefixed = (prefix: string): Record<string, string> => Object.fromEntries(Object.entries(security).map(([key, value]) => [`${prefix}${key}`, value]));
  return {
    'connector.class': MYSQL_CONNECTOR_CLASS,
    'tasks.max': '1',
    'database.hostname': source.hostname,
    'database.port': String(source.port),
    'database.user': source.user,
    'database.password': source.password,
    'database.server.id': String(mysqlServerId(connector.name)),
    'topic.prefix': names.topicPrefix,
    'database.include.list': source.database,
    'table.include.list': connector.table,
    'schema.history.internal.kafka.bootstrap.servers': options.bootstrapServers,
    'schema.history.internal.kafka.topic': schemaHistoryTopic(connector.name),
    // The history of the captured table only: the rest of the server's DDL is not this connector's business.
    'schema.history.internal.store.only.captured.tables.ddl': 'true',
    ...prefixed('schema.history.internal.producer.'),
    ...prefixed('schema.history.internal.consumer.'),
  };
}

/**
 * `changes`: every change of the table as a Debezium envelope in plain JSON
 * (what `fromDebezium` reads), keyed by the primary key, on `topic`.
 *
 * Value types as they arrive (checked by test/integration/pipeline-provision.test.ts):
 * - `decimal.handling.mode=string`: numeric columns as exact strings
 *   (a float would lose cents, the default bytes are unreadable in JSON).
 * - `timestamptz` is always Debezium's `ZonedTimestamp`, an ISO-8601 string
 *   in UTC, whatever `time.precision.mode` says: that mode only governs
 *   `timestamp`, `date` and `time` without time zone. `connect` makes those
 *   epoch-ms Connect types. The change's own time is `source.ts_ms` either way.
 * - `tombstones.on.delete=true`: a delete is followed by a null value under
 *   the same key, for compaction; `fromDebezium` skips it.
 */
function changes(connector: CdcConnector, names: ConnectorNames): ConnectorConfig {
  if (connector.topic === undefined) throw new ConnectorConfigError(`Connector '${connector.name}': a 'changes' connector needs a topic`);
  const [schema, table] = splitTable(connector);
  return {
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'decimal.handling.mode': 'string',
    'time.precision.mode': 'connect',
    'tombstones.on.delete': 'true',
    // Debezium names the topic <prefix>.<schema>.<table>; the pipeline's topic name is the processor's input.
    transforms: 'route',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': `^${escapeRegex(names.topicPrefix)}\\.${escapeRegex(schema)}\\.${escapeRegex(table)}$`,
    'transforms.route.replacement': connector.topic,
  };
}

/**
 * `outbox`: a transactional outbox table through Debezium's EventRouter.
 * Each row becomes one record on the topic its `aggregate_type` names, keyed
 * by `aggregate_id` as a plain string, so all of an aggregate's events share
 * a partition and stay in order. The value is the `payload` bytes exactly as
 * written (an Avro event already in the Glue wire format):
 * `binary.handling.mode=bytes` keeps it a byte array and BinaryDataConverter
 * writes those bytes unchanged. Records that are not bytes (heartbeats) go to
 * its delegate, plain JSON, configured as `value.converter.delegate.converter.type.*`.
 * The router adds an `id` header (the outbox row id) and `eventType` from
 * `event_type`; deletes of outbox rows (clean-up) make no tombstones.
 */
function outbox(): ConnectorConfig {
  return {
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'io.debezium.converters.BinaryDataConverter',
    'value.converter.delegate.converter.type': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.delegate.converter.type.schemas.enable': 'false',
    'binary.handling.mode': 'bytes',
    // Deleting published outbox rows is house-keeping, not an event.
    'tombstones.on.delete': 'false',
    // While no event is written, the slot's confirmed position would stay put
    // and Postgres would keep all WAL since (other connectors' included); a
    // heartbeat confirms the position the server reports. Heartbeats are JSON
    // records on __debezium-heartbeat.<topic.prefix>: the router passes them
    // through and the delegate converter writes them.
    'heartbeat.interval.ms': String(OUTBOX_HEARTBEAT_MS),
    transforms: 'outbox',
    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'transforms.outbox.table.field.event.id': 'id',
    'transforms.outbox.table.field.event.key': 'aggregate_id',
    'transforms.outbox.table.field.event.type': 'event_type',
    'transforms.outbox.table.field.event.payload': 'payload',
    'transforms.outbox.table.fields.additional.placement': 'event_type:header:eventType',
    'transforms.outbox.route.by.field': 'aggregate_type',
    // Connect reads `${…}` as a config provider reference only with a provider prefix (`${env:…}`); this one reaches the router as is.
    'transforms.outbox.route.topic.replacement': '${routedByValue}',
  };
}

function splitTable(connector: CdcConnector): [string, string] {
  const match = /^([^.]+)\.([^.]+)$/.exec(connector.table);
  if (match === null) throw new ConnectorConfigError(`Connector '${connector.name}': table must be 'schema.table'; got '${connector.table}'`);
  return [match[1] as string, match[2] as string];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
