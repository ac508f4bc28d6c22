import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { link, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT } from './paths.js';
import { DEFAULT_PORTS, type ServicePort } from './ports.js';

/**
 * Processes of the local stack: started with their output in one log file
 * each, awaited on a health condition, stopped by their own pid (SIGTERM,
 * then SIGKILL after a grace period), and killed with this process if it
 * exits without stopping them.
 */

export interface ServiceProcess {
  readonly pid: number;
  readonly logPath: string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** Resolves once the process has exited; safe to call twice. */
  stop(): Promise<void>;
}

export interface SpawnServiceOptions {
  /** Names the log: `.rtp/logs/<logName>.log`. */
  readonly logName: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 5 000 ms between SIGTERM and SIGKILL */
  readonly stopGraceMs?: number;
  /** Append to the log instead of starting it afresh (restarts keep history). @default false */
  readonly appendLog?: boolean;
  /** Run as this account (the process must be root to switch). @default this process's account */
  readonly account?: ProcessAccount;
  /** The signal `stop()` sends first. @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals;
  /**
   * The signal it gets if this process exits without stopping it. A server
   * that finishes a fast shutdown on its own (Postgres on SIGINT) is better
   * left to do so than killed. @default 'SIGKILL'
   */
  readonly exitSignal?: NodeJS.Signals;
}

/** A user and group id to run a process as. */
export interface ProcessAccount {
  readonly uid: number;
  readonly gid: number;
}

const RUNNING = new Map<ChildProcess, NodeJS.Signals>();
const killRunning = (): void => RUNNING.forEach((exitSignal, child) => child.kill(exitSignal));
// Last line of defence: if this process exits without stopping what it
// started (an uncaught error, process.exit, a closed terminal's SIGHUP), its
// services die with it. Only a SIGKILL of this process can leave one behind.
process.once('exit', killRunning);
process.once('SIGHUP', () => {
  killRunning();
  process.kill(process.pid, 'SIGHUP');
});

export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `${options.logName}.log`);
  const log = await open(logPath, options.appendLog === true ? 'a' : 'w');
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', log.fd, log.fd],
    ...accountOptions(options.account),
  });
  // Listeners first, before any await, so an early exit cannot be missed.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  await log.close(); // the child holds its own copy of the descriptor
  const pid = child.pid;
  if (pid === undefined) {
    const cause = await spawnError;
    throw new LocalStackError(`Could not run ${options.command}: ${cause.message}`, LocalStackErrorReason.START_FAILED, { cause });
  }
  RUNNING.set(child, options.exitSignal ?? 'SIGKILL');
  void exited.then(() => RUNNING.delete(child));
  let stopping: Promise<void> | undefined;
  return {
    pid,
    logPath,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => (stopping ??= stopChild(child, exited, options.stopSignal ?? 'SIGTERM', options.stopGraceMs ?? 5_000)),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a process this one did not start (a previous `rtp local up`), by pid, and waits until it is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await delay(50);
  }
}

export interface WaitOptions {
  /** What is being waited for, for the error message. */
  readonly what: string;
  readonly timeoutMs: number;
  /** @default 100 */
  readonly pollMs?: number;
  /** A process whose exit ends the wait with its log's tail. */
  readonly process?: ServiceProcess;
}

/**
 * Polls `check` until it returns true. An error it throws counts as "not
 * yet"; the process exiting or the deadline passing ends the wait with the
 * log's last lines.
 */
export async function waitUntil(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.process?.exited() === true) {
      throw new LocalStackError(`${options.what}: the process exited first; ${await logTail(options.process.logPath)}`, LocalStackErrorReason.START_FAILED);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = options.process === undefined ? '' : `; ${await logTail(options.process.logPath)}`;
      const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new LocalStackError(`${options.what}: not ready after ${options.timeoutMs} ms${last}${detail}`, LocalStackErrorReason.START_TIMEOUT);
    }
    await delay(options.pollMs ?? 100);
  }
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `command args` and returns its combined output; a missing command becomes a LocalStackError with `hint`. */
export async function requireTool(command: string, args: string[], reason: LocalStackErrorReason, hint: string): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const outcome = await waitForExit(child);
  if (outcome instanceof Error || outcome.code !== 0) throw new LocalStackError(hint, reason, { cause: outcome instanceof Error ? outcome : new Error(output) });
  return output;
}

export interface RunToLogOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the repository root */
  readonly cwd?: string;
  /** Run as this account (the process must be root to switch). @default this process's account */
  readonly account?: ProcessAccount;
  /** Append to the log instead of starting it afresh. @default false */
  readonly appendLog?: boolean;
}

/** Runs a command to completion with its output in `logPath`; resolves with the exit code, or a reason it did not run. */
export async function runToLog(command: string, args: readonly string[], logPath: string, timeoutMs: number, options: RunToLogOptions = {}): Promise<number | string> {
  await mkdir(LOG_DIR, { recursive: true });
  const log = await open(logPath, options.appendLog === true ? 'a' : 'w');
  try {
    const child = spawn(command, [...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', log.fd, log.fd], ...accountOptions(options.account) });
    RUNNING.set(child, 'SIGKILL');
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

/** The log's last lines without Java stack frames, which would push the cause out of view. */
export async function logTail(logPath: string, lines = 15): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const meaningful = text.trimEnd().split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
  return `last lines of ${relative(ROOT, logPath)} (stack frames omitted):\n${meaningful.slice(-lines).join('\n')}`;
}

/** A port free on every interface (some services bind them all). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read the port the OS chose');
  return address.port;
}

/** Tries a service gets when it picks its own port. */
const FREE_PORT_ATTEMPTS = 3;

/**
 * Starts a service on the port asked for, or on a free port, trying another
 * free one when `portTaken` says the start failed because another process
 * bound it first (it can, between the port being found free and the
 * service's bind). A port asked for is tried once.
 */
export async function startOnFreePort<T>(
  service: string,
  options: { readonly port?: number | undefined; readonly onProgress?: ((line: string) => void) | undefined },
  portTaken: (error: unknown) => boolean,
  start: (port: number) => Promise<T>,
): Promise<T> {
  const attempts = options.port === undefined ? FREE_PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    try {
      return await start(port);
    } catch (error) {
      if (!portTaken(error) || attempt >= attempts) throw error;
      options.onProgress?.(`${service}: port ${port} was taken, trying another`);
    }
  }
}

/** A free port for every service of the stack, for a stack beside the one on the fixed ports (tests, benchmarks). */
export async function freeStackPorts(): Promise<Record<ServicePort, number>> {
  const ports = {} as Record<ServicePort, number>;
  for (const service of Object.keys(DEFAULT_PORTS) as ServicePort[]) ports[service] = await freePort();
  return ports;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function isListening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The exit status, or the error that kept the process from starting; never rejects. */
export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error> {
  return new Promise((resolve) => {
    child.on('error', resolve); // `on`: a later kill() failure must not become an uncaught 'error'
    // 'close', not 'exit': 'exit' can come before piped output has all been read (a loaded
    // machine gave `java -version` an empty answer). Without pipes, 'close' follows 'exit' at once.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** spawn's uid and gid for an account; none for this process's own. */
function accountOptions(account: ProcessAccount | undefined): { uid?: number; gid?: number } {
  return account === undefined ? {} : { uid: account.uid, gid: account.gid };
}

/** Runs `task` while holding an exclusive lock file; a lock whose owner process is gone is taken over. */
export async function withLock<T>(lockPath: string, options: { timeoutMs: number; onWait?: (owner: number) => void }, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
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
    const text = await readFile(lockPath, 'utf8').catch(() => undefined);
    // Gone already (just released): try again. Only a lock naming a dead
    // owner is taken over; an unreadable one could be a new owner's.
    if (text === undefined) continue;
    const owner = Number(text);
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new LocalStackError(`Process ${owner} has held ${lockPath} for too long; remove the file if that process is gone.`, LocalStackErrorReason.FETCH_FAILED);
    }
    if (!told) options.onWait?.(owner);
    told = true;
    await delay(250);
  }
  try {
    return await task();
  } finally {
    await rm(lockPath, { force: true });
  }
}
