/**
 * The parent side of a processor process (`run-processor.ts`): starts it with
 * exactly the environment it is given, tees its output to
 * `.rtp/logs/processor-<name>.log`, and hands the JSON lines it prints per
 * invocation to `onInvoke`. Not `spawnService`, which sends stdout straight
 * to the log file where it could not be read line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalStackError, LocalStackErrorReason } from '../devstack/errors.js';
import { LOG_DIR, ROOT } from '../devstack/paths.js';
import { logTail } from '../devstack/processes.js';
import type { InvokeLine, RunnerLine } from './run-processor.js';

export type { InvokeLine } from './run-processor.js';

export interface StartProcessorOptions {
  /** A folder of functions/ whose handler.ts to run, such as `order-analytics` (run-processor.ts checks it is there). */
  readonly processor: string;
  /**
   * Everything the handler and the mapping read: the RTP_* mapping settings
   * (see run-processor.ts) and the handler's own variables. Nothing else of
   * this process's environment is passed on, so credentials or a profile of
   * the developer's shell cannot send a local run to a real AWS account.
   */
  readonly env: Record<string, string>;
  readonly onInvoke?: (summary: InvokeLine) => void;
  /** Every other line of its stdout (the handler's logs, a probe's lines), as it arrives. @default only logged */
  readonly onOutput?: (line: string) => void;
  /**
   * Which of several processes of the processor this is, for a run with more
   * than one in its consumer group: its log is `processor-<name>-<instance>.log`.
   * @default one process, logging to `processor-<name>.log`
   */
  readonly instance?: number;
  /** Keep the log of an earlier run of this processor. @default false */
  readonly appendLog?: boolean;
  /** @default 60 000 ms for the consumer group to assign partitions */
  readonly startTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL in `stop()`. @default 70 000 ms, past the mapping's default function timeout */
  readonly stopGraceMs?: number;
}

export interface RunningProcessor {
  readonly pid: number;
  readonly logPath: string;
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (in-flight invocations finish and commit), SIGKILL after the grace period; resolves once exited. Safe to call twice. */
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./run-processor.ts', import.meta.url));
/** What a Node process needs of its environment to run at all; none of it configures the processor. */
const BASE_ENVIRONMENT = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'] as const;

const RUNNING = new Set<ChildProcess>();
// As in processes.ts: a runner must not outlive the process that started it.
process.once('exit', () => RUNNING.forEach((child) => child.kill('SIGKILL')));

/** Starts a processor process and resolves once its mapping has joined the consumer group and holds partitions. */
export async function startProcessor(options: StartProcessorOptions): Promise<RunningProcessor> {
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `processor-${options.processor}${options.instance === undefined ? '' : `-${options.instance}`}.log`);
  if (options.appendLog !== true) await writeFile(logPath, '');
  // Both writers append, so the child's stderr and the teed stdout never overwrite each other.
  const stderrLog = await open(logPath, 'a');
  const base = Object.fromEntries(BASE_ENVIRONMENT.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  const child = spawn(process.execPath, ['--import', 'tsx/esm', ENTRY], {
    cwd: ROOT,
    env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env, RTP_PROCESSOR: options.processor },
    stdio: ['ignore', 'pipe', stderrLog.fd],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  await stderrLog.close(); // the child holds its own copy
  if (child.pid === undefined) {
    const cause = await spawnError;
    throw new LocalStackError(`Could not run the ${options.processor} processor: ${cause.message}`, LocalStackErrorReason.START_FAILED, { cause });
  }
  const pid = child.pid;
  RUNNING.add(child);
  void exited.then(() => RUNNING.delete(child));

  const tee = createWriteStream(logPath, { flags: 'a' });
  let started: () => void = () => undefined;
  const startedLine = new Promise<void>((resolve) => (started = resolve));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    tee.write(`${line}\n`);
    const parsed = parseLine(line);
    if (parsed?.type === 'started') started();
    try {
      if (parsed?.type === 'invoke') options.onInvoke?.(parsed);
      else if (parsed === undefined) options.onOutput?.(line);
    } catch (error) {
      tee.write(`[processor-runner] ${parsed === undefined ? 'onOutput' : 'onInvoke'} threw: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  const drained = new Promise<void>((resolve) => lines.once('close', resolve)).then(() => new Promise<void>((resolve) => tee.end(resolve)));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 70_000);
        await exited.finally(() => clearTimeout(timer));
      }
      await drained;
    })());

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    startedLine.then(() => 'started' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  if (outcome !== 'started') {
    await stop();
    const what = outcome === 'exited' ? 'exited before its mapping started' : `did not start its mapping within ${timeoutMs} ms`;
    throw new LocalStackError(
      `The ${options.processor} processor ${what}; ${await logTail(logPath)}`,
      outcome === 'exited' ? LocalStackErrorReason.START_FAILED : LocalStackErrorReason.START_TIMEOUT,
    );
  }
  return { pid, logPath, exited, stop };
}

/** A line of the runner's stdout it wrote itself; the handler's log lines and anything else are only logged. */
function parseLine(line: string): RunnerLine | undefined {
  if (!line.startsWith('{"type":')) return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return value.type === 'invoke' || value.type === 'started' ? (value as RunnerLine) : undefined;
  } catch {
    return undefined;
  }
}

