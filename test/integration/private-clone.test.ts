// A user's first run as root, with the clone in a folder only root can enter
// (root's home, a `mktemp -d` folder): Postgres refuses to run as root and
// runs as the postgres account, which can reach neither the data folder nor
// the binaries in node_modules. The stack must still start, from a clone of
// its own, and leave nothing outside the clone after `rtp local down --fresh`.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/devstack/paths.js';
import { PLACEMENT_BASE, placementDirFor, placementRecordPath } from '../../scripts/devstack/postgres-placement.js';
import { removePostgresData, startPostgres } from '../../scripts/devstack/postgres.js';
import { isAlive } from '../../scripts/devstack/supervised-process.js';
import { freePort } from '../../scripts/devstack/free-port-start.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

interface Status {
  readonly up: boolean;
  readonly services: Array<{ service: string; pid: number | undefined; address: string }>;
}

/** What the stack's processes write to the temp folder when misconfigured: JVM perf data, extracted native libraries, Jetty's work folders, Postgres's socket and password files. */
const STACK_TEMP_FILES = /^(hsperfdata_|sqlite-|jetty-|snappy-|libzstd-jni|liblz4-java|librocksdbjni|pg-password-|\.s\.PGSQL\.)/;

/** The names in a folder, for what a run added to it. */
const names = async (dir: string): Promise<Set<string>> => new Set(await readdir(dir).catch(() => []));

describe.runIf(isRoot)('a clone under a folder only root can enter, run as root', () => {
  let privateDir: string;
  let clone: string;
  const env: NodeJS.ProcessEnv = { ...process.env, RTP_STATE_DIR: '' };
  const rtp = (...args: string[]) => run('node', ['scripts/rtp.mjs', ...args], { cwd: clone, env, timeout: 900_000, maxBuffer: 16 * 2 ** 20 });

  beforeAll(async () => {
    // mkdtemp makes the folder 0700, as `mktemp -d` does.
    privateDir = await mkdtemp(join(tmpdir(), 'rtp-private-'));
    clone = join(privateDir, 'realtime-pipeline');
    // The working tree as git sees it (tracked and new files, nothing ignored), so uncommitted changes are what is tested.
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
    for (const file of stdout.split('\0').filter((name) => name.length > 0)) {
      if ((await stat(join(ROOT, file)).catch(() => undefined))?.isFile() !== true) continue;
      await mkdir(dirname(join(clone, file)), { recursive: true });
      await cp(join(ROOT, file), join(clone, file));
    }
    // As a user installs: npm ci in the clone (from npm's cache, which the outer install filled).
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: clone, timeout: 600_000, maxBuffer: 16 * 2 ** 20 });
    for (const name of ['KAFKA', 'KAFKA_CONTROLLER', 'KAFKA_CONNECT', 'POSTGRES', 'DYNAMODB', 'MOTO']) env[`RTP_PORT_${name}`] = String(await freePort());
  }, 900_000);

  afterAll(async () => {
    if (clone !== undefined) await rtp('local', 'down', '--fresh').catch(() => undefined);
    if (privateDir !== undefined) await rm(privateDir, { recursive: true, force: true });
  }, 300_000);

  it('runs the stack with Postgres data and binaries placed where the postgres account reaches them, beside another clone, and leaves nothing behind after down --fresh', async () => {
    // Prepare
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    const requestedDataDir = join(clone, '.rtp', 'postgres', 'data');
    const placementDir = placementDirFor(requestedDataDir);
    const before = { tmp: await names(tmpdir()), placements: await names(PLACEMENT_BASE) };

    // Act: what doctor says it will do, then the stack
    const doctor = await rtp('doctor').catch((error: { stdout: string }) => error);
    const up = await rtp('local', 'up');
    const status = JSON.parse((await rtp('local', 'status', '--json')).stdout) as Status;

    // Assess: doctor named the account, the folder and why, before anything was there
    expect(doctor.stdout).toContain(`runs as the postgres account`);
    expect(doctor.stdout).toContain(`data and a copy of its binaries in ${placementDir}`);
    expect(doctor.stdout).toContain(`cannot enter ${privateDir}`);
    expect(up.stdout).toContain(`Postgres: running from ${placementDir}`);
    expect(status.up).toBe(true);
    const postgres = status.services.find((s) => s.service === 'postgres');
    const client = new pg.Client({ connectionString: postgres?.address });
    await client.connect();
    try {
      const { rows } = await client.query<{ dir: string; tables: number }>(
        `SELECT current_setting('data_directory') AS dir, (SELECT count(*)::int FROM pg_tables WHERE tablename = 'stock_movements') AS tables`,
      );
      expect(rows).toEqual([{ dir: join(placementDir, 'data'), tables: 1 }]);
    } finally {
      await client.end();
    }
    // The server runs as postgres, from the copy of the binaries, not from node_modules.
    expect(await readlink(`/proc/${postgres?.pid}/exe`)).toBe(join(placementDir, 'pgsql', 'bin', 'postgres'));
    const owner = (await run('stat', ['-c', '%U', `/proc/${postgres?.pid}`])).stdout.trim();
    expect(owner).toBe('postgres');
    expect((await stat(placementRecordPath(requestedDataDir))).isFile()).toBe(true);
    // No JVM of the stack keeps a /tmp/hsperfdata_root/<pid> file, which a killed one would leave behind.
    const stackPids = new Set(status.services.map((s) => String(s.pid)));
    expect([...(await names(join(tmpdir(), 'hsperfdata_root')))].filter((name) => stackPids.has(name))).toEqual([]);

    // Another clone's Postgres, in another private folder, runs beside it with data of its own.
    const otherDir = await mkdtemp(join(tmpdir(), 'rtp-private-other-'));
    const other = await startPostgres({ dataDir: join(otherDir, '.rtp', 'postgres', 'data'), fresh: true });
    try {
      expect(other.dataDir).toBe(join(placementDirFor(join(otherDir, '.rtp', 'postgres', 'data')), 'data'));
      expect(other.dataDir).not.toBe(join(placementDir, 'data'));
    } finally {
      await other.stop();
      await removePostgresData(join(otherDir, '.rtp', 'postgres', 'data'));
      await rm(otherDir, { recursive: true, force: true });
    }

    // down --fresh: every process gone, and nothing of the stack outside the clone
    const down = await rtp('local', 'down', '--fresh');
    expect(down.stdout).toContain('local stack data deleted');
    expect(status.services.filter((s) => s.pid !== undefined && isAlive(s.pid))).toEqual([]);
    expect(await stat(placementDir).catch(() => undefined)).toBeUndefined();
    const added = (now: Set<string>, was: Set<string>): string[] => [...now].filter((name) => !was.has(name));
    expect(added(await names(PLACEMENT_BASE), before.placements)).toEqual([]);
    // A developer's other tools write to /tmp at the same time, so what is checked there is what the
    // stack's services could leave: anything of the postgres account's, and the files JVMs, their native
    // libraries and Postgres are known to put in the temp folder.
    const postgresUid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const leftInTmp: string[] = [];
    for (const name of added(await names(tmpdir()), before.tmp)) {
      const { uid } = (await stat(join(tmpdir(), name)).catch(() => undefined)) ?? { uid: -1 };
      if (uid === postgresUid || STACK_TEMP_FILES.test(name)) leftInTmp.push(name);
    }
    expect(leftInTmp).toEqual([]);
  }, 1_200_000);
});
