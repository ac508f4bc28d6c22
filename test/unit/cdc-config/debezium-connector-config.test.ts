import { describe, expect, it } from 'vitest';
import {
  connectorNames,
  DATABASE_PASSWORD_ENV,
  DATABASE_USER_ENV,
  debeziumConnectorConfig,
  envReference,
  MSK_IAM_CLIENT_SECURITY,
  mysqlServerId,
  schemaHistoryTopic,
} from '../../../lib/cdc/debezium-connector-config.js';
import { REFERENCE_CONNECTORS } from '../../../lib/config/reference-pipeline.js';
import { ordersOutboxConnector, postgresConnection, stockMovementsConnector } from '../../../scripts/reference/connectors.js';

const [STOCK_MOVEMENTS, ORDERS_OUTBOX] = REFERENCE_CONNECTORS;
const POSTGRES = { engine: 'postgres', hostname: 'db.internal', port: 5432, database: 'retail', user: 'cdc', password: 'pw' } as const;
const AWS_POSTGRES = { ...POSTGRES, user: envReference(DATABASE_USER_ENV), password: envReference(DATABASE_PASSWORD_ENV) };
const MYSQL = { engine: 'mysql', hostname: 'mysql.internal', port: 3306, database: 'shop', user: 'cdc', password: 'pw' } as const;

describe('connectorNames', () => {
  it('derives slot, publication and topic prefix from the name, dropping a trailing -cdc', () => {
    expect(connectorNames('stock-movements-cdc')).toEqual({ slot: 'rtp_stock_movements', publication: 'rtp_stock_movements', topicPrefix: 'rtp-stock-movements' });
    expect(connectorNames('orders-outbox')).toEqual({ slot: 'rtp_orders_outbox', publication: 'rtp_orders_outbox', topicPrefix: 'rtp-orders-outbox' });
  });

  it('throws when the name is not lower-case kebab', () => {
    expect(() => connectorNames('Orders')).toThrow(/lower-case letters, digits and '-'/);
  });

  it('throws when the slot would pass Postgres identifier length', () => {
    expect(() => connectorNames(`a${'-b'.repeat(40)}`)).toThrow(/longer than Postgres' 63 characters/);
  });
});

describe('debeziumConnectorConfig: postgres', () => {
  it('builds the stock movements changes connector the local stack runs', () => {
    // Act
    const config = debeziumConnectorConfig(STOCK_MOVEMENTS, POSTGRES, { topicCreation: { replicationFactor: 1, partitions: 3 } });

    // Assess
    expect(config).toEqual({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': 'db.internal',
      'database.port': '5432',
      'database.user': 'cdc',
      'database.password': 'pw',
      'database.dbname': 'retail',
      'topic.prefix': 'rtp-stock-movements',
      'plugin.name': 'pgoutput',
      'slot.name': 'rtp_stock_movements',
      'publication.name': 'rtp_stock_movements',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.stock_movements',
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '3',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      'decimal.handling.mode': 'string',
      'time.precision.mode': 'connect',
      'tombstones.on.delete': 'true',
      transforms: 'route',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '^rtp-stock-movements\\.public\\.stock_movements$',
      'transforms.route.replacement': 'stock-movements',
    });
  });

  it('builds the outbox connector through the EventRouter with BinaryDataConverter', () => {
    const config = debeziumConnectorConfig(ORDERS_OUTBOX, POSTGRES);

    expect(config).toMatchObject({
      'slot.name': 'rtp_orders_outbox',
      'table.include.list': 'public.outbox',
      'value.converter': 'io.debezium.converters.BinaryDataConverter',
      'binary.handling.mode': 'bytes',
      'heartbeat.interval.ms': '10000',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.by.field': 'aggregate_type',
      'transforms.outbox.route.topic.replacement': '${routedByValue}',
    });
    expect(config).not.toHaveProperty('topic.creation.default.partitions');
  });

  it('keeps the local stack output of both reference connectors', () => {
    const db = postgresConnection('postgres://cdc:pw@db.internal:5432/retail');
    const local = { topicCreation: { replicationFactor: 1, partitions: 3 } };

    expect(JSON.stringify(stockMovementsConnector(db))).toBe(JSON.stringify(debeziumConnectorConfig(STOCK_MOVEMENTS, POSTGRES, local)));
    expect(JSON.stringify(ordersOutboxConnector(db))).toBe(JSON.stringify(debeziumConnectorConfig(ORDERS_OUTBOX, POSTGRES, local)));
  });

  it('carries only env references for the credentials on AWS', () => {
    const config = debeziumConnectorConfig(STOCK_MOVEMENTS, AWS_POSTGRES);

    expect(config['database.user']).toBe('${env:DATABASE_USER}');
    expect(config['database.password']).toBe('${env:DATABASE_PASSWORD}');
  });

  it('throws when a changes connector has no topic', () => {
    expect(() => debeziumConnectorConfig({ name: 'x', kind: 'changes', table: 'public.x' }, POSTGRES)).toThrow(/'changes' connector needs a topic/);
  });
});

describe('debeziumConnectorConfig: mysql', () => {
  const connector = { name: 'orders-cdc', kind: 'changes', table: 'shop.orders', topic: 'orders' } as const;

  it('reads the binlog with a stable server id and keeps its schema history on Kafka with the client security', () => {
    // Act
    const config = debeziumConnectorConfig(connector, MYSQL, { bootstrapServers: 'b-1:9098', kafkaClientSecurity: MSK_IAM_CLIENT_SECURITY });

    // Assess
    expect(config).toMatchObject({
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'database.hostname': 'mysql.internal',
      'database.port': '3306',
      'database.server.id': String(mysqlServerId('orders-cdc')),
      'database.include.list': 'shop',
      'table.include.list': 'shop.orders',
      'topic.prefix': 'rtp-orders',
      'schema.history.internal.kafka.bootstrap.servers': 'b-1:9098',
      'schema.history.internal.kafka.topic': '__debezium-schema-history.rtp-orders',
      'schema.history.internal.producer.security.protocol': 'SASL_SSL',
      'schema.history.internal.producer.sasl.mechanism': 'AWS_MSK_IAM',
      'schema.history.internal.producer.sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
      'schema.history.internal.producer.sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
      'schema.history.internal.consumer.security.protocol': 'SASL_SSL',
      'schema.history.internal.consumer.sasl.mechanism': 'AWS_MSK_IAM',
      'transforms.route.regex': '^rtp-orders\\.shop\\.orders$',
    });
    expect(config).not.toHaveProperty('slot.name');
    expect(schemaHistoryTopic('orders-cdc')).toBe('__debezium-schema-history.rtp-orders');
  });

  it('derives the same server id for the same name and another for another name, above the usual small ids', () => {
    expect(mysqlServerId('orders-cdc')).toBe(mysqlServerId('orders-cdc'));
    expect(mysqlServerId('orders-cdc')).not.toBe(mysqlServerId('orders-outbox'));
    for (const name of ['a', 'orders-cdc', 'z'.repeat(60)]) {
      expect(mysqlServerId(name)).toBeGreaterThanOrEqual(100_000);
      expect(mysqlServerId(name)).toBeLessThan(2 ** 32);
    }
  });

  it('throws when a MySQL source has no bootstrap servers for its history', () => {
    expect(() => debeziumConnectorConfig(connector, MYSQL)).toThrow(/needs options.bootstrapServers/);
  });
});
