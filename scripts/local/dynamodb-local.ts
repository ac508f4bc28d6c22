import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, link, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** Why the local DynamoDB could not be installed or started. */
export const LocalStackErrorReason = {
  JAVA_MISSING: 'JAVA_MISSING',
  MAVEN_MISSING: 'MAVEN_MISSING',
  FETCH_FAILED: 'FETCH_FAILED',
  START_FAILED: 'START_FAILED',
  START_TIMEOUT: 'START_TIMEOUT',
} as const;
export type LocalStackErrorReason = (typeof LocalStackErrorReason)[keyof typeof LocalStackErrorReason];

export class LocalStackError extends Error {
  public override readonly name = 'LocalStackError';
  public constructor(
    message: string,
    public readonly reason: LocalStackErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DynamoDbLocal {
  /** Always loopback, although the server itself listens on every interface (it has no bind option). */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** @default true, unless `dataDir` is given (DynamoDB Local refuses both) */
  readonly inMemory?: boolean;
  /** @default `.rtp/dynamodb-local/data` when `inMemory` is false */
  readonly dataDir?: string;
  /** @default 512 */
  readonly heapMb?: number;
  /** @default 60 000 ms, after the install */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

/** DynamoDB Local rejects access keys that are not alphanumeric (UnrecognizedClientException). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POM = fileURLToPath(new URL('./maven/dynamodb-local/pom.xml', import.meta.url));
const RTP = join(ROOT, '.rtp');
const INSTALL_ROOT = join(RTP, 'dynamodb-local');
const LOG_DIR = join(RTP, 'logs');
const MAIN_CLASS = 'software.amazon.dynamodb.services.local.main.ServerRunner';
const MARKER = 'installed.json';

const LIMITS = {
  installMs: 15 * 60_000,
  lockPollMs: 250,
  healthPollMs: 100,
  healthRequestMs: 2_000,
  stopGraceMs: 5_000,
  portAttempts: 3,
} as const;

// The Maven artifact that matches this machine. DynamoDB Local's own loader only
// looks for the plain name `libsqlite4java.so`, so the file is copied under that name.
const NATIVE_ARTIFACT: Partial<Record<string, { artifact: string; fileName: string }>> = {
  'linux-x64': { artifact: 'libsqlite4java-linux-amd64', fileName: 'libsqlite4java.so' },
};

interface InstallMarker {
  readonly pomSha256: string;
  readonly jars: readonly string[];
  readonly nativeLibrary: string | null;
}

export interface DynamoDbLocalInstall {
  readonly classpath: string;
  /** Holds `libsqlite4java.so` when Maven has one for this platform; otherwise DynamoDB Local extracts its bundled copy to the temp folder. */
  readonly libraryPath: string;
}

/**
 * Resolves DynamoDB Local with Maven into `.rtp/dynamodb-local/<pom hash>/`, once.
 * Concurrent callers (two vitest runs) wait on a lock file; the install itself is
 * staged and renamed into place, so a half-written folder is never used.
 */
export async function ensureDynamoDbLocalInstalled(options: { onProgress?: (line: string) => void } = {}): Promise<DynamoDbLocalInstall> {
  const pom = await readFile(POM);
  const pomSha256 = createHash('sha256').update(pom).digest('hex');
  const dir = join(INSTALL_ROOT, pomSha256.slice(0, 16));
  const ready = await readInstall(dir, pomSha256);
  if (ready !== undefined) return ready;

  await requireTool('mvn', ['-v'], LocalStackErrorReason.MAVEN_MISSING, 'Maven 3.6+ is needed once to fetch DynamoDB Local: install it (e.g. `apt-get install maven`, `brew install maven`) and make sure `mvn` is on PATH.');
  await mkdir(INSTALL_ROOT, { recursive: true });
  return withLock(join(INSTALL_ROOT, 'install.lock'), options.onProgress, async () => {
    const installedMeanwhile = await readInstall(dir, pomSha256);
    if (installedMeanwhile !== undefined) return installedMeanwhile;
    const started = Date.now();
    options.onProgress?.(`DynamoDB Local: fetching jars with Maven into ${relative(ROOT, RTP)}/ (first run only; log in ${relative(ROOT, LOG_DIR)}/dynamodb-local-install.log)`);
    // Under the lock, any other staging folder is a leftover of a process killed mid-fetch.
    for (const entry of await readdir(INSTALL_ROOT)) if (entry.includes('.staging-')) await rm(join(INSTALL_ROOT, entry), { recursive: true, force: true });
    const staging = `${dir}.staging-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      await fetchInto(staging, pomSha256);
      await rm(dir, { recursive: true, force: true }); // only ever an incomplete leftover: a complete one returned above
      await rename(staging, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    options.onProgress?.(`DynamoDB Local: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const installed = await readInstall(dir, pomSha256);
    if (installed === undefined) throw new LocalStackError(`DynamoDB Local was fetched but ${dir}/${MARKER} is unreadable.`, LocalStackErrorReason.FETCH_FAILED);
    return installed;
  });
}

/** Starts DynamoDB Local and resolves once it answers a real ListTables call. */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = await javaCommand();
  const install = await ensureDynamoDbLocalInstalled({ onProgress: options.onProgress });
  const attempts = options.port === undefined ? LIMITS.portAttempts : 1;
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnPort(java, install, port, options);
    } catch (error) {
      // Another process can take a port between freePort() and Jetty's bind.
      const portTaken = error instanceof LocalStackError && /BindException|Address already in use/.test(error.message);
      if (!portTaken || attempt >= attempts) throw error;
      options.onProgress?.(`DynamoDB Local: port ${port} was taken, trying another`);
    }
  }
}

async function startOnPort(java: string, install: DynamoDbLocalInstall, port: number, options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const inMemory = options.inMemory ?? options.dataDir === undefined;
  const dataDir = options.dataDir ?? join(INSTALL_ROOT, 'data');
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `dynamodb-local-${port}.log`);
  const log = await open(logPath, 'w');
  const args = [
    `-Xmx${options.heapMb ?? 512}m`,
    '-XX:+ExitOnOutOfMemoryError',
    // A short-lived test server: C1 only and the serial GC start it about a second sooner.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    // Checked before DynamoDB Local extracts its bundled library into /tmp, which
    // it would otherwise do on every start (and leave behind when killed).
    `-Dorg.sqlite.lib.path=${install.libraryPath}`,
    `-Djava.library.path=${install.libraryPath}`,
    '-cp',
    install.classpath,
    MAIN_CLASS,
    ...(inMemory ? ['-inMemory'] : ['-dbPath', dataDir]),
    '-sharedDb', // one database whatever the credentials and region, so every client sees the same tables
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  const child = spawn(java, args, { cwd: INSTALL_ROOT, stdio: ['ignore', log.fd, log.fd] });
  // Listeners first, before any await, so an early exit cannot be missed.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  await log.close(); // the child holds its own copy of the descriptor
  const pid = child.pid;
  if (pid === undefined) {
    const cause = await spawnError;
    throw new LocalStackError(`Could not run ${java}: ${cause.message}`, LocalStackErrorReason.JAVA_MISSING, { cause });
  }
  RUNNING.add(child);
  void exited.then(() => RUNNING.delete(child));

  const started = Date.now();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopProcess(child, exited));
  try {
    await waitUntilHealthy(endpoint, child, started + (options.startTimeoutMs ?? 60_000), logPath);
  } catch (error) {
    await stop();
    throw error;
  }
  options.onProgress?.(`DynamoDB Local: ${endpoint} (pid ${pid}) ready in ${Date.now() - started} ms, log ${relative(ROOT, logPath)}`);
  return { endpoint, port, pid, stop };
}

async function waitUntilHealthy(endpoint: string, child: ChildProcess, deadline: number, logPath: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new LocalStackError(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before it answered: ${await logTail(logPath)}`, LocalStackErrorReason.START_FAILED);
      }
      try {
        // ListTables, not a port probe: the SQLite native library is only loaded on the first request.
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(LIMITS.healthRequestMs) });
        return;
      } catch (error) {
        if (!isNotListeningYet(error)) {
          throw new LocalStackError(`DynamoDB Local answered ListTables with an error: ${String(error)}; ${await logTail(logPath)}`, LocalStackErrorReason.START_FAILED, { cause: error });
        }
      }
      if (Date.now() > deadline) {
        throw new LocalStackError(`DynamoDB Local did not answer on ${endpoint} in time; ${await logTail(logPath)}`, LocalStackErrorReason.START_TIMEOUT);
      }
      await delay(LIMITS.healthPollMs);
    }
  } finally {
    client.destroy();
  }
}

function isNotListeningYet(error: unknown): boolean {
  const { code, name } = error as { code?: string; name?: string };
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(code ?? '') || name === 'AbortError' || name === 'TimeoutError';
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMITS.stopGraceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

// Last line of defence: if the test runner exits without calling stop() (an
// uncaught error, process.exit, a closed terminal's SIGHUP, which vitest does not
// handle as it does SIGINT/SIGTERM), the servers it started die with it. Only a
// SIGKILL of the runner can still leave one behind.
const RUNNING = new Set<ChildProcess>();
const killRunning = (): void => RUNNING.forEach((child) => child.kill('SIGKILL'));
process.once('exit', killRunning);
process.once('SIGHUP', () => {
  killRunning();
  process.kill(process.pid, 'SIGHUP'); // our listener is gone now: the default action ends the process
});

async function fetchInto(staging: string, pomSha256: string): Promise<void> {
  const lib = join(staging, 'lib');
  const native = join(staging, 'native');
  await mkdir(native, { recursive: true });
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, 'dynamodb-local-install.log');
  const args = ['-B', '-Dstyle.color=never', '-f', POM, `-Dmaven.repo.local=${join(RTP, 'maven')}`, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'];
  const exitCode = await runToLog('mvn', args, logPath, LIMITS.installMs);
  if (exitCode !== 0) {
    throw new LocalStackError(`Maven could not fetch DynamoDB Local (exit ${exitCode}); is Maven Central reachable? ${await logTail(logPath)}`, LocalStackErrorReason.FETCH_FAILED);
  }
  const files = await readdir(lib);
  const jars = files.filter((f) => f.endsWith('.jar')).sort((a, b) => Number(b.startsWith('DynamoDBLocal-')) - Number(a.startsWith('DynamoDBLocal-')) || a.localeCompare(b));
  if (!jars.some((f) => f.startsWith('DynamoDBLocal-'))) {
    throw new LocalStackError(`Maven finished but no DynamoDBLocal jar is in ${lib}.`, LocalStackErrorReason.FETCH_FAILED);
  }
  const wanted = NATIVE_ARTIFACT[`${process.platform}-${process.arch}`];
  const source = wanted === undefined ? undefined : files.find((f) => f.startsWith(`${wanted.artifact}-`));
  if (wanted !== undefined && source !== undefined) await copyFile(join(lib, source), join(native, wanted.fileName));
  const marker: InstallMarker = { pomSha256, jars, nativeLibrary: wanted !== undefined && source !== undefined ? wanted.fileName : null };
  // Written last: its presence is what says the folder is complete.
  await writeFile(join(staging, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

async function readInstall(dir: string, pomSha256: string): Promise<DynamoDbLocalInstall | undefined> {
  let marker: InstallMarker;
  try {
    marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as InstallMarker;
  } catch {
    return undefined;
  }
  if (marker.pomSha256 !== pomSha256 || marker.jars.length === 0) return undefined;
  return { classpath: marker.jars.map((jar) => join(dir, 'lib', jar)).join(delimiter), libraryPath: join(dir, 'native') };
}

/** Runs `task` while holding an exclusive lock file; a lock whose owner process is gone is taken over. */
async function withLock<T>(lockPath: string, onProgress: ((line: string) => void) | undefined, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LIMITS.installMs;
  let told = false;
  for (;;) {
    // Written aside, then hard-linked into place: the lock never exists without its pid.
    const candidate = `${lockPath}.${process.pid}-${randomUUID().slice(0, 8)}`;
    await writeFile(candidate, String(process.pid));
    try {
      await link(candidate, lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(candidate, { force: true });
    }
    const owner = Number(await readFile(lockPath, 'utf8').catch(() => ''));
    if (!isAlive(owner)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new LocalStackError(`Process ${owner} has held ${lockPath} for too long; remove the file if that process is gone.`, LocalStackErrorReason.FETCH_FAILED);
    }
    if (!told) onProgress?.(`DynamoDB Local: process ${owner} is installing it, waiting`);
    told = true;
    await delay(LIMITS.lockPollMs);
  }
  try {
    return await task();
  } finally {
    await rm(lockPath, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let javaPromise: Promise<string> | undefined;

/** `$JAVA_HOME/bin/java` when set, else `java` on PATH; 17 or newer. */
function javaCommand(): Promise<string> {
  javaPromise ??= (async () => {
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const install = 'DynamoDB Local needs Java 17 or newer: install a JDK/JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`) and put `java` on PATH or set JAVA_HOME.';
    const output = await requireTool(java, ['-version'], LocalStackErrorReason.JAVA_MISSING, install);
    const major = Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1] ?? 0);
    if (major < 17) throw new LocalStackError(`${install} Found: ${output.split('\n')[0] ?? '?'}`, LocalStackErrorReason.JAVA_MISSING);
    return java;
  })();
  return javaPromise;
}

/** Runs `command args` and returns its combined output; a missing command becomes a LocalStackError with `hint`. */
async function requireTool(command: string, args: string[], reason: LocalStackErrorReason, hint: string): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const outcome = await waitForExit(child);
  if (outcome instanceof Error || outcome.code !== 0) throw new LocalStackError(hint, reason, { cause: outcome instanceof Error ? outcome : new Error(output) });
  return output;
}

async function runToLog(command: string, args: string[], logPath: string, timeoutMs: number): Promise<number | string> {
  const log = await open(logPath, 'w');
  try {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', log.fd, log.fd] });
    RUNNING.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      const outcome = await waitForExit(child);
      return outcome instanceof Error ? outcome.message : (outcome.code ?? outcome.signal ?? 'unknown');
    } finally {
      clearTimeout(timer);
      RUNNING.delete(child);
    }
  } finally {
    await log.close();
  }
}

/** The log's last lines without Java stack frames, which would push the cause (`Caused by: …BindException`) out of view. */
async function logTail(logPath: string, lines = 15): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const meaningful = text.trimEnd().split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
  return `last lines of ${relative(ROOT, logPath)} (stack frames omitted):\n${meaningful.slice(-lines).join('\n')}`;
}

/** A port free on every interface, since DynamoDB Local binds them all. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read the port the OS chose');
  return address.port;
}

/** The exit status, or the error that kept the process from starting; never rejects. */
function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error> {
  return new Promise((resolve) => {
    child.on('error', resolve); // `on`: a later kill() failure must not become an uncaught 'error'
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
