import { appendFile, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT, STATE_DIR } from './paths.js';
import {
  placedDataDirFor,
  planPostgresPlacement,
  prepareDataDir,
  preparePostgresPlacement,
  removePostgresPlacement,
  type PostgresPlacement,
} from './postgres-placement.js';
import { logTail, waitUntil } from './processes.js';
import { childPids, isAlive, procCommandLine, procName, procStat, runToLog, spawnService, stopPid, type ServiceProcess, type StopStep } from './supervised-process.js';
import { loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';

export interface LocalPostgres {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The database asked for in `database`, which the server was made to have. */
  readonly database: string;
  /** `postgresql://…@127.0.0.1:<port>/<database>` */
  readonly connectionString: string;
  /** The postmaster's pid. */
  readonly pid: number | undefined;
  /** Where the data really is: the folder asked for, or its placement outside the project when the postgres account cannot reach it. */
  readonly dataDir: string;
  readonly logPath: string;
  /** Fast shutdown, then waits until the postmaster and every process it had forked are gone. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** @default `.rtp/postgres/data` */
  readonly dataDir?: string;
  /** Delete the data folder (and its placement outside the project) first, so the cluster is initialised anew. @default false (state survives restarts) */
  readonly fresh?: boolean;
  /** The database to connect to, created on start if it is missing. @default `postgres`, the one initdb creates */
  readonly database?: string;
  /** @default 30 000 ms, after initdb */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

/** The superuser initdb creates. It has REPLICATION, which Debezium needs; fixed at initdb, so changing it needs `fresh`. */
export const POSTGRES_USER = 'rtp';
export const POSTGRES_PASSWORD = 'rtp';
/** initdb's own database, always there. */
const DEFAULT_DATABASE = 'postgres';
export const DEFAULT_DATA_DIR = join(STATE_DIR, 'postgres', 'data');
export const POSTGRES_LOG = join(LOG_DIR, 'postgres.log');

/**
 * Passed as `-c` flags on every start rather than written to postgresql.conf,
 * so a data folder initialised by an older version of this file still runs
 * with today's settings. initdb's defaults would be `wal_level=replica` and
 * `listen_addresses=localhost`.
 */
const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  // No Unix socket: loopback TCP only, and no lock files left in /tmp by a killed server.
  unix_socket_directories: '',
  wal_level: 'logical',
  max_replication_slots: '10',
  max_wal_senders: '10',
  // A slot whose connector is gone holds WAL for ever; on a laptop that fills the
  // disk. Past this the slot is invalidated instead and Debezium re-snapshots.
  max_slot_wal_keep_size: '1GB',
};

// C collation and UTF-8 whatever the machine's locale: the same sort order and
// encoding on every machine (with LANG unset, initdb would pick SQL_ASCII).
const INITDB_FLAGS = ['--encoding=UTF8', '--locale=C'];
/** Written after initdb succeeds: a non-empty folder without it is refused rather than deleted. */
const INIT_MARKER = 'rtp-initialised.json';
const STOP_GRACE_MS = 30_000;
const INITDB_TIMEOUT_MS = 120_000;

/**
 * Initialises the cluster on first start, starts it, and resolves once
 * the database asked for exists and a client can `SELECT 1`. As root, initdb and the server
 * run as the postgres account, with data and binaries where it can reach
 * them (postgres-placement.ts).
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const requested = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const progress = options.onProgress ?? (() => undefined);
  if (options.fresh === true) await removePostgresData(requested, options.onProgress);
  // Before the placement is prepared: preparing may delete a placement folder a leftover server still runs in.
  await stopLeftovers(requested, options.onProgress);
  const placement = await preparePostgresPlacement(await planPostgresPlacement(requested));
  if (placement.placementDir !== undefined) progress(`Postgres: running from ${placement.placementDir}: ${placement.reasons.join('; ')}`);
  await initialise(placement, progress);
  return startOnFreePort((port) => startOnPort(placement, port, options), { service: 'Postgres', port: options.port, onProgress: options.onProgress });
}

/**
 * Deletes a cluster's data wherever it was placed, inside the project or out,
 * after stopping a server left running on it by a killed run.
 */
/**
 * Deletes a stopped stack's whole state folder (what RTP_STATE_DIR names).
 * Postgres's data goes first: it may be placed outside the folder (run as
 * root from a clone the postgres account cannot reach) and would otherwise
 * be left behind.
 */
export async function removeStateDir(stateDir: string): Promise<void> {
  await removePostgresData(join(stateDir, 'postgres', 'data'));
  await rm(stateDir, { recursive: true, force: true });
}

export async function removePostgresData(dataDir: string = DEFAULT_DATA_DIR, onProgress?: (line: string) => void): Promise<void> {
  const requested = resolve(dataDir);
  await stopLeftovers(requested, onProgress);
  await removePostgresPlacement(requested);
}

/** Paths inside the project are shown relative to it; a placement outside it in full. */
const shown = (path: string): string => (path.startsWith(ROOT) ? relative(ROOT, path) : path);

async function initialise(placement: PostgresPlacement, progress: (line: string) => void): Promise<void> {
  if (await isInitialised(placement.dataDir)) return;
  const started = Date.now();
  await prepareDataDir(placement);
  // Beside the data folder, which the account reaches (the project may be out of its reach); read only by it.
  const passwordFile = join(dirname(placement.dataDir), `.${basename(placement.dataDir)}-initdb-password`);
  await writeFile(passwordFile, `${POSTGRES_PASSWORD}\n`, { mode: 0o600 });
  try {
    if (placement.account !== undefined) await chown(passwordFile, placement.account.uid, placement.account.gid);
    const args = [`--pgdata=${placement.dataDir}`, '--auth=scram-sha-256', `--username=${POSTGRES_USER}`, `--pwfile=${passwordFile}`, ...INITDB_FLAGS];
    await appendFile(POSTGRES_LOG, `--- ${new Date().toISOString()} initdb ${placement.dataDir}\n`);
    const exit = await runToLog(placement.binaries.initdb, args, POSTGRES_LOG, INITDB_TIMEOUT_MS, {
      appendLog: true,
      // The project folder may be out of the account's reach; the data folder's parent never is.
      cwd: dirname(placement.dataDir),
      account: placement.account,
    });
    if (exit !== 0) {
      throw new LocalStackError(`initdb failed for ${placement.dataDir} (${exit}); ${await logTail(POSTGRES_LOG)}`, LocalStackErrorReason.START_FAILED);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
  await writeFile(join(placement.dataDir, INIT_MARKER), `${JSON.stringify({ initialisedAt: new Date().toISOString(), user: POSTGRES_USER })}\n`);
  progress(`Postgres: initialised ${shown(placement.dataDir)} in ${Date.now() - started} ms`);
}

async function startOnPort(placement: PostgresPlacement, port: number, options: StartPostgresOptions): Promise<LocalPostgres> {
  const { dataDir } = placement;
  const started = Date.now();
  await mkdir(LOG_DIR, { recursive: true });
  await appendFile(POSTGRES_LOG, `--- ${new Date().toISOString()} starting on 127.0.0.1:${port}, data ${dataDir}\n`);
  const logStart = (await stat(POSTGRES_LOG)).size;
  const server = await spawnService({
    logName: 'postgres',
    appendLog: true,
    command: placement.binaries.postgres,
    args: ['-D', dataDir, '-p', String(port), ...Object.entries(SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
    cwd: dirname(dataDir),
    account: placement.account,
    // SIGINT is Postgres's fast shutdown; SIGTERM would wait for Debezium's replication connection to close.
    stopSignal: 'SIGINT',
    exitSignal: 'SIGINT',
    stopGraceMs: STOP_GRACE_MS,
  });
  const url = (database: string): string => `postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${port}/${database}`;
  try {
    await waitUntil(() => answers(url(DEFAULT_DATABASE), dataDir), { what: `Postgres on 127.0.0.1:${port}`, timeoutMs: options.startTimeoutMs ?? 30_000, process: server });
  } catch (error) {
    await stopServer(server);
    if (await loggedBindFailure(POSTGRES_LOG, logStart, /Address already in use|could not create any TCP\/IP sockets/)) throw portInUse(`Port ${port} on 127.0.0.1 is in use`, error);
    throw error;
  }
  const database = options.database ?? DEFAULT_DATABASE;
  try {
    await ensureDatabase(url(DEFAULT_DATABASE), database);
  } catch (error) {
    await stopServer(server);
    throw error;
  }
  options.onProgress?.(`Postgres: ${url(database).replace(/:[^:@/]*@/, ':***@')} (pid ${server.pid}) ready in ${Date.now() - started} ms, log ${shown(POSTGRES_LOG)}`);

  let stopping: Promise<void> | undefined;
  return {
    port,
    user: POSTGRES_USER,
    password: POSTGRES_PASSWORD,
    database,
    connectionString: url(database),
    pid: server.pid,
    dataDir,
    logPath: POSTGRES_LOG,
    stop: () => (stopping ??= stopServer(server)),
  };
}

async function stopServer(server: ServiceProcess): Promise<void> {
  // The postmaster waits for its children in a fast shutdown; these are
  // checked anyway, because a postmaster killed after the grace period would leave them orphaned.
  const children = await childPids(server.pid);
  await server.stop();
  for (const survivor of children) await waitGone(survivor);
}

/** A forked Postgres process is given time to exit with its postmaster, then SIGQUIT (immediate shutdown), then SIGKILL. */
const REAP_STEPS: readonly StopStep[] = [
  { signal: undefined, graceMs: 5_000 },
  { signal: 'SIGQUIT', graceMs: 5_000 },
  { signal: 'SIGKILL', graceMs: 5_000 },
];

/** Waits for a process of ours to exit, escalating as REAP_STEPS (after `first`, if given) say. */
function waitGone(pid: number, first?: StopStep): Promise<void> {
  // A zombie (exited, not reaped yet) still answers kill(pid, 0); a pid reused by
  // something that is not Postgres must never be signalled.
  const isGone = async (): Promise<boolean> => !isAlive(pid) || (await procStat(pid))?.state === 'Z' || !(await isPostgresProcess(pid));
  return stopPid(pid, { steps: first === undefined ? REAP_STEPS : [first, ...REAP_STEPS.slice(1)], isGone, what: 'Postgres process' });
}

/** The postmaster runs the binary by its path; the processes it forks retitle themselves `postgres: <role>`. */
async function isPostgresProcess(pid: number): Promise<boolean> {
  return isPostgresCommand(await procCommandLine(pid));
}

/** Whether a command line is Postgres's: its server binary, or a process it forked and renamed. */
function isPostgresCommand(cmdline: readonly string[]): boolean {
  const command = cmdline[0] ?? '';
  return command.startsWith('postgres:') || command.endsWith('/postgres');
}

/** Line 1 of postmaster.pid is the postmaster's pid, line 2 its data folder. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * A postmaster still running on this data folder: left behind by a run that
 * was killed (its parent is gone, so it was re-parented), it is stopped;
 * owned by another live process (a second `rtp local up`), it is an error.
 */
/** Stops a server left running on this data folder, wherever it is: the data is in one of two places, no need to work out which. */
async function stopLeftovers(requestedDataDir: string, onProgress: ((line: string) => void) | undefined): Promise<void> {
  for (const candidate of [requestedDataDir, placedDataDirFor(requestedDataDir)]) await stopLeftover(candidate, onProgress);
}

async function stopLeftover(dataDir: string, onProgress: ((line: string) => void) | undefined): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid)) return;
  const cmdline = await procCommandLine(pid);
  if (!isPostgresCommand(cmdline) || !cmdline.includes(dataDir)) return; // a reused pid, not our server
  const parent = (await procStat(pid))?.ppid;
  const parentName = parent === undefined ? '' : await procName(parent);
  if (parent !== undefined && parent !== 1 && parentName === 'node') {
    throw new LocalStackError(`Postgres (pid ${pid}) is already running on ${dataDir}, started by process ${parent}; stop that first.`, LocalStackErrorReason.START_FAILED);
  }
  onProgress?.(`Postgres: stopping pid ${pid}, left running on ${shown(dataDir)} by an earlier run`);
  const children = await childPids(pid);
  // SIGINT is a fast shutdown; the postmaster gets as long as a forked process would.
  await waitGone(pid, { signal: 'SIGINT', graceMs: 5_000 });
  for (const survivor of children) await waitGone(survivor);
}

/** Initialised by us: the marker is there. Empty or missing: not yet. Anything else is not ours to delete. */
async function isInitialised(dataDir: string): Promise<boolean> {
  if ((await stat(join(dataDir, INIT_MARKER)).catch(() => undefined)) !== undefined) return true;
  const entries = await readdir(dataDir).catch(() => []);
  if (entries.length === 0) return false;
  throw new LocalStackError(
    `${dataDir} holds files but was not initialised by rtp (or initdb was interrupted); start with fresh to delete it and initialise anew.`,
    LocalStackErrorReason.START_FAILED,
  );
}

/** Answers, and is ours: another server on the port (with the same credentials) must not pass for this one. */
async function answers(connectionString: string, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined); // a server going away mid-check is a failed check, not a crash
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`);
    return rows[0]?.dir === dataDir;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(connectionString: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
