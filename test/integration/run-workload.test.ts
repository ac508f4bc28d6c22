import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../functions/core/serde/avro-schema.js';
import { readGlueFrame } from '../../functions/core/serde/glue-wire-format.js';
import { subjectSchema } from '../../functions/core/serde/subject-schema.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { migrate } from '../../scripts/devstack/postgres-migrations.js';
import { removePostgresData, startPostgres, type LocalPostgres } from '../../scripts/devstack/postgres.js';
import { RETAIL_DATABASE } from '../../scripts/reference/retail-database.js';
import { stockBySkuLocation } from '../../scripts/reference/retail-repository.js';
import { runWorkload } from '../../scripts/reference/run-workload.js';
import { planWorkload, type WorkloadStep } from '../../scripts/reference/workload.js';

const SCHEMA_IDS = new Map([
  [1, '11111111-1111-4111-8111-111111111111'],
  [2, '22222222-2222-4222-8222-222222222222'],
  [3, '33333333-3333-4333-8333-333333333333'],
] as const);

describe('running the retail workload against Postgres', () => {
  const dataDir = join(RTP, `test-workload-${process.pid}`);
  let postgres: LocalPostgres;
  let client: pg.Client;

  beforeAll(async () => {
    postgres = await startPostgres({ dataDir, fresh: true, database: RETAIL_DATABASE.name });
    await migrate(postgres.connectionString, RETAIL_DATABASE.migrationsDir);
    client = new pg.Client({ connectionString: postgres.connectionString });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client.end();
    await postgres.stop();
    await removePostgresData(dataDir);
  }, 60_000);

  it('writes orders with their Avro outbox events, repeats, movements and corrections, and sends poison records to Kafka', async () => {
    // Prepare
    const steps = planWorkload({ events: 600, startAt: Date.parse('2026-11-22T09:00:00Z'), seed: 3, poisonRate: 0.02, duplicateRate: 0.05 });
    const sent: Array<{ topic: string; value: Buffer }> = [];
    const producer = { send: ({ topic, messages }: { topic: string; messages: Array<{ value: Buffer }> }) => (sent.push(...messages.map((m) => ({ topic, value: m.value }))), Promise.resolve([])) } as unknown as Producer;
    const count = (kind: WorkloadStep['kind']) => steps.filter((s) => s.kind === kind).length;

    // Act
    const result = await runWorkload(steps, { postgres: client, producer, orderSchemaIds: SCHEMA_IDS });

    // Assess: what the applications wrote is what was planned
    expect(result).toMatchObject({ orders: count('order'), movements: count('movement'), republished: count('order-republish'), poison: count('poison') });
    const orders = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    const outbox = await client.query<{ id: string; aggregate_id: string; payload: Buffer }>('SELECT id, aggregate_id, payload FROM outbox ORDER BY created_at, id');
    expect(orders.rows[0]?.n).toBe(count('order'));
    expect(outbox.rows).toHaveLength(count('order') + count('order-republish'));
    expect(sent).toHaveLength(count('poison'));

    // Every outbox payload is a Glue-framed event its registered writer schema decodes.
    const firstOrder = steps.find((s): s is Extract<WorkloadStep, { kind: 'order' }> => s.kind === 'order');
    const event = outbox.rows.find((r) => r.aggregate_id === firstOrder?.order.orderId);
    const frame = readGlueFrame(event?.payload ?? Buffer.alloc(0));
    const version = [...SCHEMA_IDS].find(([, id]) => id === frame.schemaVersionId)?.[0] ?? 0;
    const decoded = parseAvroSchema(subjectSchema('orders', version)).fromBuffer(frame.body) as { event_id: string; payload: { total: string } };
    expect(decoded.event_id).toBe(firstOrder?.eventId);
    expect(decoded.payload.total).toBe(firstOrder?.order.total);

    // Stock in Postgres is the plan's movements after their corrections, replayed here: an update sets
    // the n-th movement's delta (UPDATE … SET quantity_delta), a delete removes it, and either is a no-op
    // on a movement already deleted. A (sku, location) with no movement left has no row.
    const planned: Array<{ key: string; delta: number } | undefined> = [];
    for (const step of steps) {
      if (step.kind === 'movement') {
        planned.push({ key: `${step.movement.sku}@${step.movement.locationId}`, delta: step.movement.quantityDelta });
      } else if (step.kind === 'movement-update') {
        const current = planned[step.movement];
        if (current !== undefined) planned[step.movement] = { ...current, delta: step.quantityDelta };
      } else if (step.kind === 'movement-delete') {
        planned[step.movement] = undefined;
      }
    }
    const expected = new Map<string, { quantity: number; movements: number }>();
    for (const movement of planned) {
      if (movement === undefined) continue;
      const level = expected.get(movement.key) ?? { quantity: 0, movements: 0 };
      expected.set(movement.key, { quantity: level.quantity + movement.delta, movements: level.movements + 1 });
    }
    const stock = await stockBySkuLocation(client);
    expect(new Map(stock.map((s) => [`${s.sku}@${s.locationId}`, { quantity: s.quantity, movements: s.movements }]))).toEqual(expected);
    // The plan holds both kinds of correction, so the replay above is exercised.
    expect([count('movement-update') > 0, count('movement-delete') > 0]).toEqual([true, true]);
    expect(result.corrections).toBe(count('movement-update') + count('movement-delete'));
  }, 120_000);

  it('takes one token of its pacer before each step, so a token bucket sets the rate', async () => {
    // Prepare: movements only, as the orders of the test above hold their ids already
    const steps = planWorkload({ events: 40, startAt: Date.parse('2026-11-22T10:00:00Z'), seed: 4 }).filter((s) => s.kind === 'movement');
    const taken: number[] = [];
    const done: number[] = [];
    const pacer = { take: (n: number) => (taken.push(n), Promise.resolve()) };
    const producer = { send: () => Promise.resolve([]) } as unknown as Producer;

    // Act
    await runWorkload(steps, { postgres: client, producer, orderSchemaIds: SCHEMA_IDS, pacer, onStep: (n) => done.push(taken.length - n) });

    // Assess: every step waited for its own token before it was written
    expect(taken).toEqual(steps.map(() => 1));
    expect(done.every((ahead) => ahead === 0)).toBe(true);
  }, 60_000);
});
