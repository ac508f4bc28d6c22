// Kafka Connect with the Debezium PostgreSQL connector (scripts/devstack/kafka-connect.ts)
// against a real Postgres 18 with wal_level=logical: what the CDC half of the
// pipeline relies on (ARCHITECTURE.md §4.5) — one event per committed change,
// op c/u/d, a tombstone after each delete, and the change's LSN in `source`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStackError, LocalStackErrorReason } from '../../scripts/devstack/errors.js';
import { kafkaClient, readTopic, startKafka } from '../../scripts/devstack/kafka.js';
import type { LocalKafka, TopicRecord } from '../../scripts/devstack/kafka.js';
import {
  deleteConnector,
  LOCAL_TOPIC_CREATION,
  POSTGRES_CONNECTOR_CLASS,
  registerConnector,
  startKafkaConnect,
  waitForConnectorRunning,
} from '../../scripts/devstack/kafka-connect.js';
import type { LocalKafkaConnect } from '../../scripts/devstack/kafka-connect.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { removePostgresData, startPostgres } from '../../scripts/devstack/postgres.js';
import type { LocalPostgres } from '../../scripts/devstack/postgres.js';
import { waitUntil } from '../../scripts/devstack/processes.js';
import { caught } from '../helpers/caught.js';

// Per run: two runs of this file at once would otherwise wipe each other's broker and database with `fresh`.
const TEST_DIR = join(RTP, 'test-kafka-connect', String(process.pid));
// The first run fetches Kafka, Connect and Debezium with Maven (about 90 MB).
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
const CONNECTOR = 'stock-cdc';
const SLOT = 'rtp_test_stock_slot';
const PUBLICATION = 'rtp_test_stock_publication';
const TOPIC_PREFIX = 'rtptest';
const TABLE = 'public.cdc_stock';
// A database of the test's own, which startPostgres creates.
const DATABASE = 'cdc_test';
const TOPIC = `${TOPIC_PREFIX}.${TABLE}`;
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

let kafka: LocalKafka | undefined;
let postgres: LocalPostgres | undefined;
let connect: LocalKafkaConnect | undefined;
let db: pg.Client;

beforeAll(async () => {
  [kafka, postgres] = await Promise.all([
    startKafka({ dataDir: join(TEST_DIR, 'kafka'), fresh: true, onProgress: progress }),
    startPostgres({ dataDir: join(TEST_DIR, 'postgres'), fresh: true, database: DATABASE, onProgress: progress }),
  ]);
  connect = await startKafkaConnect({ bootstrapServers: kafka.bootstrapServers, onProgress: progress });
  db = new pg.Client({ connectionString: postgres.connectionString });
  await db.connect();
}, FIRST_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.end();
  // Connect first: its connectors hold replication connections to Postgres and write to Kafka.
  await connect?.stop();
  await Promise.all([postgres?.stop(), kafka?.stop()]);
  // Postgres's data may be placed outside TEST_DIR (as root, from a clone the postgres account cannot reach).
  await removePostgresData(join(TEST_DIR, 'postgres'));
  await rm(TEST_DIR, { recursive: true, force: true });
});

function connectorConfig(overrides: Record<string, string> = {}): Record<string, string> {
  if (postgres === undefined) throw new Error('Postgres did not start');
  return {
    'connector.class': POSTGRES_CONNECTOR_CLASS,
    'database.hostname': '127.0.0.1',
    'database.port': String(postgres.port),
    'database.user': postgres.user,
    'database.password': postgres.password,
    'database.dbname': postgres.database,
    'topic.prefix': TOPIC_PREFIX,
    // pgoutput ships with Postgres; Debezium's default, decoderbufs, is an extension that must be installed.
    'plugin.name': 'pgoutput',
    'slot.name': SLOT,
    'publication.name': PUBLICATION,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': TABLE,
    ...LOCAL_TOPIC_CREATION,
    ...overrides,
  };
}

interface ChangeEvent {
  readonly op: 'r' | 'c' | 'u' | 'd';
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly source: { readonly lsn: number; readonly db: string; readonly schema: string; readonly table: string; readonly connector: string; readonly version: string; readonly snapshot: string };
}

/** Waits until the topic holds `count` records, then reads them all. */
async function readWhenAtLeast(count: number): Promise<TopicRecord[]> {
  if (kafka === undefined) throw new Error('Kafka did not start');
  const admin = kafkaClient(kafka.bootstrapServers, 'connect-test-admin').admin();
  await admin.connect();
  try {
    // Unknown until Connect creates it with the first event: an error, which waitUntil reads as "not yet".
    await waitUntil(async () => (await admin.fetchTopicOffsets(TOPIC)).reduce((sum, p) => sum + Number(p.high), 0) >= count, {
      what: `${count} records on ${TOPIC}`,
      timeoutMs: 60_000,
      pollMs: 250,
    });
  } finally {
    await admin.disconnect();
  }
  return readTopic(kafka.bootstrapServers, TOPIC);
}

const json = (buffer: Buffer | null): unknown => (buffer === null ? null : JSON.parse(buffer.toString()));

describe('Kafka Connect with Debezium PostgreSQL', () => {
  it('lists the Debezium connector, converters and outbox router on its plugin path', async () => {
    const response = await fetch(`${connect?.restUrl}/connector-plugins?connectorsOnly=false`);
    const plugins = ((await response.json()) as { class: string; version: string }[]).map((p) => `${p.class}@${p.version}`);

    expect(plugins).toContain(`${POSTGRES_CONNECTOR_CLASS}@3.7.0.Final`);
    expect(plugins).toContain('io.debezium.converters.BinaryDataConverter@3.7.0.Final');
    expect(plugins).toContain('io.debezium.transforms.outbox.EventRouter@3.7.0.Final');
    expect(plugins).toContain('org.apache.kafka.connect.json.JsonConverter@4.3.1');
  });

  it('streams a snapshot, then inserts, updates and deletes with their LSNs, and a tombstone after the delete', async () => {
    expect((await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version).toMatch(/^18\./);
    expect((await db.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level).toBe('logical');
    await db.query(`CREATE TABLE ${TABLE} (sku text PRIMARY KEY, location text NOT NULL, quantity integer NOT NULL)`);
    await db.query(`INSERT INTO ${TABLE} VALUES ('sku-1', 'store-1', 5)`);

    await registerConnector(connect?.restUrl ?? '', CONNECTOR, connectorConfig());
    await waitForConnectorRunning(connect?.restUrl ?? '', CONNECTOR, 60_000);
    // The snapshot's record means the slot exists: every change from here on is in it.
    await readWhenAtLeast(1);
    await db.query(`INSERT INTO ${TABLE} VALUES ('sku-2', 'store-1', 7)`);
    await db.query(`UPDATE ${TABLE} SET quantity = 4 WHERE sku = 'sku-1'`);
    await db.query(`DELETE FROM ${TABLE} WHERE sku = 'sku-2'`);
    const records = await readWhenAtLeast(5);

    expect(records).toHaveLength(5);
    const keys = records.map((r) => json(r.key));
    expect(keys).toEqual([{ sku: 'sku-1' }, { sku: 'sku-2' }, { sku: 'sku-1' }, { sku: 'sku-2' }, { sku: 'sku-2' }]);
    const [snapshot, insert, update, del, tombstone] = records.map((r) => json(r.value) as ChangeEvent | null);
    expect(snapshot).toMatchObject({ op: 'r', before: null, after: { sku: 'sku-1', location: 'store-1', quantity: 5 } });
    expect(insert).toMatchObject({ op: 'c', before: null, after: { sku: 'sku-2', location: 'store-1', quantity: 7 } });
    // Without REPLICA IDENTITY FULL an update carries no before image, and a delete only the key.
    expect(update).toMatchObject({ op: 'u', before: null, after: { sku: 'sku-1', location: 'store-1', quantity: 4 } });
    expect(del).toMatchObject({ op: 'd', before: { sku: 'sku-2' }, after: null });
    expect(tombstone).toBeNull();
    for (const event of [insert, update, del]) {
      expect(event?.source).toMatchObject({ connector: 'postgresql', version: '3.7.0.Final', db: DATABASE, schema: 'public', table: 'cdc_stock', snapshot: 'false' });
    }
    // The LSN orders a row's changes: what the projection engine compares before applying one.
    const lsns = [insert, update, del].map((event) => event?.source.lsn ?? 0);
    expect(lsns.every((lsn) => Number.isSafeInteger(lsn) && lsn > 0)).toBe(true);
    expect([...lsns].sort((a, b) => a - b)).toEqual(lsns);
    expect(new Set(lsns).size).toBe(3);
  }, 120_000);

  it('refuses a connector whose database credentials are wrong, naming the cause', async () => {
    const error = await caught(registerConnector(connect?.restUrl ?? '', 'bad-credentials', connectorConfig({ 'database.password': 'wrong', 'slot.name': 'rtp_test_bad_slot' })));

    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).reason).toBe(LocalStackErrorReason.CONNECTOR_REJECTED);
    expect((error as LocalStackError).message).toMatch(/password authentication failed/);
  });

  it('reports a task that fails with the exception and causes from its trace', async () => {
    // Passes validation, but the task's start creates its slot with decoderbufs, an extension this Postgres
    // does not have. No retries: a failure Debezium deems retriable then fails the task too.
    const config = connectorConfig({ 'topic.prefix': 'rtptest-failing', 'slot.name': 'rtp_test_failing_slot', 'plugin.name': 'decoderbufs', 'errors.max.retries': '0' });
    await registerConnector(connect?.restUrl ?? '', 'failing', config);

    const error = await caught(waitForConnectorRunning(connect?.restUrl ?? '', 'failing', 60_000));
    await deleteConnector(connect?.restUrl ?? '', 'failing');

    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).reason).toBe(LocalStackErrorReason.CONNECTOR_FAILED);
    expect((error as LocalStackError).message).toMatch(/task 0 FAILED[\s\S]*Creation of replication slot failed[\s\S]*Caused by: .*"decoderbufs"/);
    expect((error as LocalStackError).message).not.toMatch(/^\s+at /m);
  }, 90_000);

  it('releases its replication slot when deleted, so the slot can be dropped', async () => {
    const slotActive = async (): Promise<boolean | undefined> =>
      (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [SLOT])).rows[0]?.active;
    expect(await slotActive()).toBe(true);

    await deleteConnector(connect?.restUrl ?? '', CONNECTOR);
    await waitUntil(async () => (await slotActive()) === false, { what: `slot ${SLOT} released`, timeoutMs: 30_000, pollMs: 200 });
    await db.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
    await db.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION}`);

    expect(await slotActive()).toBeUndefined();
    const remaining = await fetch(`${connect?.restUrl}/connectors`);
    expect(await remaining.json()).toEqual([]);
  }, 60_000);
});
