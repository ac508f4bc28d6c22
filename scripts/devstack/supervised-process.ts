import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT } from './paths.js';

/**
 * The one supervisor of what the local stack starts: every child is started
 * here with its output in a log file, kept in one live set until it exits,
 * stopped by its own pid (a signal, a grace period, then SIGKILL; never by
 * name), and signalled by one exit hook if this process exits without
 * stopping it. Processes this one did not start (a previous run's) are
 * stopped the same way, by pid, and /proc is read here only.
 */

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly pid: number;
  readonly logPath: string;
  /** Resolves once the process has exited, however it ended. */
  readonly exit: Promise<ExitStatus>;
  /** Its stdout when started with `stdout: 'pipe'`; otherwise undefined (stdout goes to the log). */
  readonly stdout: Readable | undefined;
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
  /** What the process is, for an error saying it could not run. @default the command */
  readonly what?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 5 000 ms between the stop signal and SIGKILL */
  readonly stopGraceMs?: number;
  /** Append to the log instead of starting it afresh (restarts keep history). @default false */
  readonly appendLog?: boolean;
  /** stdout to the log, or to a pipe the caller reads (stderr goes to the log either way). @default 'log' */
  readonly stdout?: 'log' | 'pipe';
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

/** Every child started here that has not exited yet, with the signal the exit hook sends it. */
const LIVE = new Map<ChildProcess, NodeJS.Signals>();
const signalLive = (): void => LIVE.forEach((exitSignal, child) => child.kill(exitSignal));
// Last line of defence: if this process exits without stopping what it
// started (an uncaught error, process.exit, a closed terminal's SIGHUP), its
// children die with it. Only a SIGKILL of this process can leave one behind.
process.once('exit', signalLive);
process.once('SIGHUP', () => {
  signalLive();
  process.kill(process.pid, 'SIGHUP');
});

/** The pids of the children started here that are still running (for tests and diagnostics). */
export const livePids = (): number[] => [...LIVE.keys()].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));

/** Starts a child under supervision; see the module comment. */
export async function spawnService(options: SpawnServiceOptions): Promise<ServiceProcess> {
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `${options.logName}.log`);
  // Opened to append, after emptying it for a fresh log: a caller teeing the piped stdout into the same file never overwrites stderr.
  if (options.appendLog !== true) await writeFile(logPath, '');
  const log = await open(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', options.stdout === 'pipe' ? 'pipe' : log.fd, log.fd],
      ...accountOptions(options.account),
    });
  } finally {
    await log.close(); // the child holds its own copy of the descriptor
  }
  const { exit, started } = supervise(child, options.exitSignal ?? 'SIGKILL');
  const pid = await started;
  if (pid instanceof Error) {
    throw new LocalStackError(`Could not run ${options.what ?? options.command}: ${pid.message}`, LocalStackErrorReason.START_FAILED, { cause: pid });
  }
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const steps = signalThenKill(options.stopGraceMs ?? 5_000, options.stopSignal);
  let stopping: Promise<void> | undefined;
  return {
    pid,
    logPath,
    exit,
    stdout: child.stdout ?? undefined,
    exited,
    stop: () => (stopping ??= stopPid(pid, { steps, isGone: exited }).then(() => exit.then(() => undefined))),
  };
}

/** Puts a child in the live set until it exits; `started` is its pid, or the error that kept it from starting. */
function supervise(child: ChildProcess, exitSignal: NodeJS.Signals): { exit: Promise<ExitStatus>; started: Promise<number | Error> } {
  // Listeners first, before any await, so an early exit cannot be missed.
  const exit = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve)); // `on`: a later kill() failure must not be uncaught
  if (child.pid === undefined) return { exit, started: spawnError };
  LIVE.set(child, exitSignal);
  void exit.then(() => LIVE.delete(child));
  return { exit, started: Promise.resolve(child.pid) };
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

/** Runs a command to completion with its output in `logPath`, supervised like a service; resolves with the exit code, or a reason it did not run. */
export async function runToLog(command: string, args: readonly string[], logPath: string, timeoutMs: number, options: RunToLogOptions = {}): Promise<number | string> {
  await mkdir(LOG_DIR, { recursive: true });
  const log = await open(logPath, options.appendLog === true ? 'a' : 'w');
  let child: ChildProcess;
  try {
    child = spawn(command, [...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', log.fd, log.fd], ...accountOptions(options.account) });
  } finally {
    await log.close();
  }
  const { exit, started } = supervise(child, 'SIGKILL');
  const pid = await started;
  if (pid instanceof Error) return pid.message;
  // Past its time it is killed at once: a tool run to completion has no shutdown to finish.
  const timer = setTimeout(() => void stopPid(pid, { steps: UNTIL_KILLED, isGone: () => child.exitCode !== null || child.signalCode !== null }), timeoutMs);
  try {
    const outcome = await exit;
    return outcome.code ?? outcome.signal ?? 'unknown';
  } finally {
    clearTimeout(timer);
  }
}

/** One step of a stop: send `signal` (none: only wait), then wait up to `graceMs` for the process to be gone. */
export interface StopStep {
  readonly signal: NodeJS.Signals | undefined;
  readonly graceMs: number;
}

const UNTIL_KILLED: readonly StopStep[] = [{ signal: 'SIGKILL', graceMs: Number.POSITIVE_INFINITY }];

/** The usual stop: `signal`, `graceMs` to finish, then SIGKILL and wait until gone. */
export const signalThenKill = (graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): readonly StopStep[] => [{ signal, graceMs }, ...UNTIL_KILLED];

export interface StopPidOptions {
  /** @default SIGTERM, 10 000 ms, then SIGKILL and wait until gone */
  readonly steps?: readonly StopStep[];
  /**
   * When the process counts as gone. @default it no longer exists. A check
   * that also says "gone" for a pid now held by another program keeps that
   * program from being signalled.
   */
  readonly isGone?: () => boolean | Promise<boolean>;
  /** Names the process in the error if it survives. @default 'Process' */
  readonly what?: string;
}

/**
 * The one stop: by pid, each step's signal in turn until the process is
 * gone. Used for the children started here and for processes a previous run
 * left behind. Throws if it outlives a last step of finite grace.
 */
export async function stopPid(pid: number, options: StopPidOptions = {}): Promise<void> {
  const isGone = options.isGone ?? (() => !isAlive(pid));
  const steps = options.steps ?? signalThenKill(10_000);
  for (const { signal, graceMs } of steps) {
    if (await isGone()) return;
    if (signal !== undefined) sendSignal(pid, signal);
    const deadline = Date.now() + graceMs;
    while (!(await isGone()) && Date.now() < deadline) await delay(50);
  }
  if (!(await isGone())) throw new LocalStackError(`${options.what ?? 'Process'} ${pid} survived ${steps.at(-1)?.signal ?? 'its stop'}`, LocalStackErrorReason.START_FAILED);
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // gone meanwhile
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

/** The exit status, or the error that kept the process from starting; never rejects. */
export function waitForExit(child: ChildProcess): Promise<ExitStatus | Error> {
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

// --- /proc, read here only ---

/** State (`Z`: exited, not reaped yet) and parent pid from /proc/<pid>/stat; undefined when there is no such process. */
export async function procStat(pid: number): Promise<{ state: string; ppid: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name is in parentheses and may itself hold spaces and parentheses.
  const rest = text?.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest === undefined || rest.length < 2 ? undefined : { state: rest[0] ?? '', ppid: Number(rest[1]) };
}

/** The process's arguments, its command first (as it set them: a forked server may retitle itself); empty when there is none. */
export async function procCommandLine(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text.length === 0 ? [] : text.replace(/\0$/, '').split('\0');
}

/** The process's short name (/proc/<pid>/comm), or '' when there is none. */
export async function procName(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
}

/** The pids whose parent is `pid` (empty where there is no /proc). */
export async function childPids(pid: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const children: number[] = [];
  for (const entry of entries.filter((name) => /^\d+$/.test(name))) {
    if ((await procStat(Number(entry)))?.ppid === pid) children.push(Number(entry));
  }
  return children;
}
