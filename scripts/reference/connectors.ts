import { REFERENCE_CONNECTORS, REFERENCE_TOPIC_NAMES } from '../../lib/config/reference-pipeline.js';
import { connectorNames, debeziumConnectorConfig, type CdcConnector, type ConnectorNames } from '../../lib/cdc/debezium-connector-config.js';
import { LOCAL_TOPIC_CREATION } from '../devstack/kafka-connect.js';
import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';

/**
 * The retail pipeline's two Debezium connectors (ARCHITECTURE.md section 7),
 * as Kafka Connect configurations built from the Postgres they read. They
 * are the reference connectors every environment deploys
 * (lib/config/reference-pipeline.ts), built by the same builder as Debezium
 * on Fargate (lib/cdc/debezium-connector-config.ts); only the database
 * address, the clear credentials and the topic creation are local.
 */

export const STOCK_MOVEMENTS_TOPIC = REFERENCE_TOPIC_NAMES.stockMovements;
export const ORDERS_TOPIC = REFERENCE_TOPIC_NAMES.orders;
/** Default partitions of both topics: per-key order is all the processors need, and 3 lets a test see records spread. */
export const PIPELINE_TOPIC_PARTITIONS = 3;

export const STOCK_MOVEMENTS_CONNECTOR = 'stock-movements-cdc';
export const ORDERS_OUTBOX_CONNECTOR = 'orders-outbox';
export { OUTBOX_HEARTBEAT_MS } from '../../lib/cdc/debezium-connector-config.js';

type LocalConnectorName = typeof STOCK_MOVEMENTS_CONNECTOR | typeof ORDERS_OUTBOX_CONNECTOR;

/** Each connector's own slot, publication and topic prefix (see `connectorNames`). */
export const CONNECTOR_NAMES: Readonly<Record<LocalConnectorName, ConnectorNames>> = {
  [STOCK_MOVEMENTS_CONNECTOR]: connectorNames(STOCK_MOVEMENTS_CONNECTOR),
  [ORDERS_OUTBOX_CONNECTOR]: connectorNames(ORDERS_OUTBOX_CONNECTOR),
};

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
    throw new ReferenceInputError(`Expected a postgres:// connection string, got protocol ${url.protocol}`, ReferenceInputErrorReason.INVALID_INPUT);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || url.username === '') throw new ReferenceInputError('The Postgres connection string must name a user and a database', ReferenceInputErrorReason.INVALID_INPUT);
  return {
    hostname: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

type ConnectorConfig = Readonly<Record<string, string>>;

/**
 * The local broker creates no topic on first use (as MSK), so the worker
 * creates what a connector writes to, with one replica; topics are created
 * by provisioning first, and should one be missing it gets the pipeline's
 * partitions rather than 1.
 */
function localOptions(partitions: number) {
  return { topicCreation: { replicationFactor: Number(LOCAL_TOPIC_CREATION['topic.creation.default.replication.factor']), partitions } } as const;
}

function referenceConnector(name: LocalConnectorName): CdcConnector {
  const connector = REFERENCE_CONNECTORS.find((c) => c.name === name);
  if (connector === undefined) throw new ReferenceInputError(`lib/config/reference-pipeline.ts has no connector '${name}'`, ReferenceInputErrorReason.INVALID_INPUT);
  return connector;
}

function localConfig(name: LocalConnectorName, db: PostgresConnection, partitions: number): ConnectorConfig {
  return debeziumConnectorConfig(referenceConnector(name), { engine: 'postgres', ...db }, localOptions(partitions));
}

/**
 * `stock-movements-cdc`: every change of `public.stock_movements` as a
 * Debezium envelope in plain JSON (what `fromDebezium` reads), keyed by the
 * primary key `{"movement_id": n}`, on topic `stock-movements`.
 */
export function stockMovementsConnector(db: PostgresConnection, partitions = PIPELINE_TOPIC_PARTITIONS): ConnectorConfig {
  return localConfig(STOCK_MOVEMENTS_CONNECTOR, db, partitions);
}

/**
 * `orders-outbox`: the transactional outbox (`public.outbox`, see
 * 0003_outbox.sql) through Debezium's outbox EventRouter, routed to `orders`
 * by `aggregate_type`, keyed by the order id, the Avro payload bytes
 * unchanged. Debezium's router rather than a relay of our own, because the
 * router is what users deploy on Fargate too, so the local run exercises the
 * production path.
 */
export function ordersOutboxConnector(db: PostgresConnection, partitions = PIPELINE_TOPIC_PARTITIONS): ConnectorConfig {
  return localConfig(ORDERS_OUTBOX_CONNECTOR, db, partitions);
}
