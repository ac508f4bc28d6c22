import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaClient } from '../../scripts/devstack/kafka.js';
import { ROOT, RTP } from '../../scripts/devstack/paths.js';
import { isAlive } from '../../scripts/devstack/supervised-process.js';
import { freePort } from '../../scripts/devstack/free-port-start.js';

const run = promisify(execFile);
const stateDir = join(RTP, `test-stack-${process.pid}`);

interface Status {
  readonly up: boolean;
  readonly supervisorPid: number;
  readonly services: Array<{ service: string; pid: number | undefined; port: number; up: boolean; address: string }>;
}

describe('rtp local up | status | down', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, RTP_STATE_DIR: stateDir };
  const rtp = (...args: string[]) => run('node', ['scripts/rtp.mjs', 'local', ...args], { cwd: ROOT, env, timeout: 900_000 });
  const status = async (): Promise<Status> => JSON.parse((await rtp('status', '--json')).stdout) as Status;

  afterAll(async () => {
    await rtp('down', '--fresh').catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
  }, 180_000);

  it('starts the stack in the background, keeps state across a restart, and leaves nothing running after down', async () => {
    // Prepare: ports of our own, so a developer's stack on the default ports is not disturbed.
    for (const name of ['KAFKA', 'KAFKA_CONTROLLER', 'KAFKA_CONNECT', 'POSTGRES', 'DYNAMODB', 'MOTO', 'ELASTICMQ']) env[`RTP_PORT_${name}`] = String(await freePort());

    // Act: up, twice (the second is a no-op)
    const up = await rtp('up');
    const again = await rtp('up');

    // Assess: every service answers where status says
    expect(up.stdout).toMatch(/local stack up \(supervisor pid \d+\)/);
    const first = await status();
    expect(first.up).toBe(true);
    expect(first.services.map((s) => s.service)).toEqual(['postgres', 'kafka', 'dynamodb', 'moto', 'elasticmq', 'kafka-connect']);
    expect(again.stdout).toContain(`supervisor pid ${first.supervisorPid}`);

    // State written now must survive a restart.
    const kafka = first.services.find((s) => s.service === 'kafka')?.address ?? '';
    const postgres = first.services.find((s) => s.service === 'postgres')?.address ?? '';
    const admin = kafkaClient(kafka, 'local-stack-test').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept-across-restarts', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const client = new pg.Client({ connectionString: postgres });
    await client.connect();
    await client.query(`INSERT INTO stock_movements (sku, location_id, quantity_delta, movement_type, channel) VALUES ('SKU-KEPT', 'store-1', 5, 'RECEIPT', 'pos')`);
    await client.end();

    await rtp('down');
    expect(first.services.every((s) => s.pid === undefined || !isAlive(s.pid))).toBe(true);
    expect(isAlive(first.supervisorPid)).toBe(false);
    await expect(rtp('status')).rejects.toMatchObject({ code: 1 });

    await rtp('up');
    const second = await status();
    expect(second.up).toBe(true);
    const admin2 = kafkaClient(kafka, 'local-stack-test').admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain('kept-across-restarts');
    await admin2.disconnect();
    const client2 = new pg.Client({ connectionString: postgres });
    await client2.connect();
    expect((await client2.query(`SELECT count(*)::int AS n FROM stock_movements WHERE sku = 'SKU-KEPT'`)).rows[0]).toEqual({ n: 1 });
    await client2.end();

    await rtp('down');
    expect(second.services.every((s) => s.pid === undefined || !isAlive(s.pid))).toBe(true);
  }, 900_000);
});
