import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caught } from '../../helpers/caught.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtp-stack-state-'));
  vi.stubEnv('RTP_STATE_DIR', dir);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** A pid no process has: that of a child that has exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const service = (port: number) => ({ endpoint: `http://127.0.0.1:${port}`, port, pid: exitedPid(), logPath: join(dir, `${port}.log`) });

describe('the recorded local stack', () => {
  it('names what a stack started by an earlier version lacks, and still stops it', async () => {
    // Prepare: a stack.json from before ElasticMQ was a service.
    const { readStackState, stackDown, STACK_FILE } = await import('../../../scripts/devstack/stack-supervisor.js');
    expect(STACK_FILE.startsWith(dir)).toBe(true);
    await writeFile(
      STACK_FILE,
      JSON.stringify({
        supervisorPid: exitedPid(),
        startedAt: '2026-12-01T00:00:00.000Z',
        endpoints: {
          postgres: { connectionString: 'postgres://127.0.0.1:5432/retail', port: 5432, pid: exitedPid(), logPath: join(dir, 'pg.log') },
          kafka: { bootstrapServers: '127.0.0.1:9092', port: 9092, pid: exitedPid(), logPath: join(dir, 'kafka.log') },
          dynamodb: service(8000),
          moto: service(5000),
          'kafka-connect': { restUrl: 'http://127.0.0.1:8083', port: 8083, pid: exitedPid(), logPath: join(dir, 'connect.log') },
        },
      }),
    );

    // Act
    const read = await caught(readStackState());
    const stopped = await stackDown();

    // Assess
    expect(read).toMatchObject({ name: 'LocalStackError', reason: 'STALE_STACK' });
    expect((read as Error).message).toContain('has no elasticmq');
    expect((read as Error).message).toContain('rtp local down');
    expect(stopped).toEqual({ stopped: true });
    expect(await caught(readFile(STACK_FILE, 'utf8'))).toMatchObject({ code: 'ENOENT' });
  });
});
