import { LOCAL_TOPIC_CREATION, POSTGRES_CONNECTOR_CLASS } from '../kafka-connect.js';

/**
 * The retail pipeline's two Debezium connectors (ARCHITECTURE.md section 7),
 * as Kafka Connect configurations built from the Postgres they read. The
 * same settings are what a user deploys to Debezium on Fargate or MSK
 * Connect; only the database address and the topic creation differ.
 */

export const STOCK_MOVEMENTS_TOPIC = 'stock-movements';
export const ORDERS_TOPIC = 'orders';
/** Partitions of both topics: per-key order is all the processors need, and 3 lets a test see records spread. */
export const PIPELINE_TOPIC_PARTITIONS = 3;

export const STOCK_MOVEMENTS_CONNECTOR = 'stock-movements-cdc';
/** Heartbeats of the outbox connector, whose table is quiet between orders. */
export const OUTBOX_HEARTBEAT_MS = 10_000;
export const ORDERS_OUTBOX_CONNECTOR = 'orders-outbox';

/**
 * Each connector has its own slot, publication and topic prefix: a shared
 * slot would be held by one and retried forever by the other, and with
 * `publication.autocreate.mode=filtered` a shared publication would be
 * rewritten to the table list of whichever connector started last.
 */
export const CONNECTOR_NAMES = {
  [STOCK_MOVEMENTS_CONNECTOR]: { slot: 'rtp_stock_movements', publication: 'rtp_stock_movements', topicPrefix: 'rtp-stock-movements' },
  [ORDERS_OUTBOX_CONNECTOR]: { slot: 'rtp_orders_outbox', publication: 'rtp_orders_outbox', topicPrefix: 'rtp-orders-outbox' },
} as const;

/** Where Debezium reaches Postgres. */
export interface PostgresConnection {
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Splits a `postgres://user:password@host:port/database` URL into Debezium's `database.*` settings. */
export function postgresConnection(connectionString: string): PostgresConnection {
  const url = new URL(connectionString);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new RangeError(`Expected a postgres:// connection string, got protocol ${url.protocol}`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || url.username === '') throw new RangeError('The Postgres connection string must name a user and a database');
  return {
    hostname: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

type ConnectorConfig = Readonly<Record<string, string>>;

/** What both connectors share: the database, pgoutput, and a slot and publication of their own. */
function postgresSource(db: PostgresConnection, names: (typeof CONNECTOR_NAMES)[keyof typeof CONNECTOR_NAMES], table: string): ConnectorConfig {
  return {
    'connector.class': POSTGRES_CONNECTOR_CLASS,
    'tasks.max': '1',
    'database.hostname': db.hostname,
    'database.port': String(db.port),
    'database.user': db.user,
    'database.password': db.password,
    'database.dbname': db.database,
    'topic.prefix': names.topicPrefix,
    // pgoutput ships with Postgres (and RDS); Debezium's default, decoderbufs, is an extension that must be installed.
    'plugin.name': 'pgoutput',
    'slot.name': names.slot,
    'publication.name': names.publication,
    // A publication of this connector's table only, created by the connector: nothing else is decoded for it.
    'publication.autocreate.mode': 'filtered',
    'table.include.list': table,
    ...LOCAL_TOPIC_CREATION,
    // Topics are created by provisioning first; should one be missing, the worker creates it alike rather than with 1 partition.
    'topic.creation.default.partitions': String(PIPELINE_TOPIC_PARTITIONS),
  };
}

/**
 * `stock-movements-cdc`: every change of `public.stock_movements` as a
 * Debezium envelope in plain JSON (what `fromDebezium` reads), keyed by the
 * primary key `{"movement_id": n}`, on topic `stock-movements`.
 *
 * Value types as they arrive (checked by test/integration/pipeline-provision.test.ts):
 * - `decimal.handling.mode=string`: numeric columns as exact strings
 *   (none in this table today; a float would lose cents, the default bytes are unreadable in JSON).
 * - `timestamptz` (`occurred_at`) is always Debezium's `ZonedTimestamp`, an
 *   ISO-8601 string in UTC, whatever `time.precision.mode` says: that mode
 *   only governs `timestamp`, `date` and `time` without time zone, and no
 *   setting turns a timestamptz into epoch millis. `connect` makes those
 *   others epoch-ms Connect types should a column gain one. The change's own
 *   time is `source.ts_ms` (epoch ms of the commit) either way.
 * - `tombstones.on.delete=true`: a delete is followed by a null value under
 *   the same key, for compaction; `fromDebezium` skips it.
 */
export function stockMovementsConnector(db: PostgresConnection): ConnectorConfig {
  const names = CONNECTOR_NAMES[STOCK_MOVEMENTS_CONNECTOR];
  return {
    ...postgresSource(db, names, 'public.stock_movements'),
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
    'transforms.route.regex': `^${escapeRegex(names.topicPrefix)}\\.public\\.stock_movements$`,
    'transforms.route.replacement': STOCK_MOVEMENTS_TOPIC,
  };
}

/**
 * `orders-outbox`: the transactional outbox (`public.outbox`, see
 * 0003_outbox.sql) through Debezium's outbox EventRouter. Debezium's router
 * rather than a relay of our own, because the router is what users deploy
 * on Debezium on Fargate and MSK Connect too, so the local run exercises the
 * production path.
 *
 * Each outbox row becomes one record on the topic its `aggregate_type` names
 * ('orders' → `orders`), keyed by `aggregate_id` as a plain string, so all
 * of an order's events share a partition and stay in order. The value is
 * the `payload` bytea exactly as written (the Avro event already in the
 * Glue wire format): `binary.handling.mode=bytes` keeps it a byte array and
 * BinaryDataConverter writes those bytes unchanged. Records that are not
 * bytes (the heartbeats below) go to its delegate, plain JSON; its settings are `value.converter.delegate.converter.type.*`
 * (BinaryDataConverter configures the delegate with that prefix stripped).
 * The router adds an `id` header (the outbox row id, for consumers that
 * deduplicate by it) and `eventType` from `event_type`; deletes of outbox
 * rows (clean-up) are dropped by the router and make no tombstones.
 */
export function ordersOutboxConnector(db: PostgresConnection): ConnectorConfig {
  const names = CONNECTOR_NAMES[ORDERS_OUTBOX_CONNECTOR];
  return {
    ...postgresSource(db, names, 'public.outbox'),
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'io.debezium.converters.BinaryDataConverter',
    'value.converter.delegate.converter.type': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.delegate.converter.type.schemas.enable': 'false',
    'binary.handling.mode': 'bytes',
    // Deleting published outbox rows is house-keeping, not an event.
    'tombstones.on.delete': 'false',
    // While no order is written, the slot's confirmed position would stay put
    // and Postgres would keep all WAL since (the stock movements' included);
    // a heartbeat confirms the position the server reports. Heartbeats are
    // JSON records on __debezium-heartbeat.<topic.prefix>: the router passes
    // them through and the delegate converter writes them.
    'heartbeat.interval.ms': String(OUTBOX_HEARTBEAT_MS),
    transforms: 'outbox',
    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'transforms.outbox.table.field.event.id': 'id',
    'transforms.outbox.table.field.event.key': 'aggregate_id',
    'transforms.outbox.table.field.event.type': 'event_type',
    'transforms.outbox.table.field.event.payload': 'payload',
    'transforms.outbox.table.fields.additional.placement': 'event_type:header:eventType',
    'transforms.outbox.route.by.field': 'aggregate_type',
    // Connect would read `${…}` as a config provider reference only with a provider prefix (`${file:…}`); this one reaches the router as is.
    'transforms.outbox.route.topic.replacement': '${routedByValue}',
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
