/**
 * The parent side of a processor process (`run-processor.ts`): starts it with
 * exactly the environment it is given, tees its output to
 * `.rtp/logs/processor-<name>.log`, and hands the JSON lines it prints per
 * invocation to `onInvoke`. It is supervised like the stack's services
 * (`spawnService`: one live set, one exit hook, stopped by pid), with its
 * stdout piped here to be read line by line; stderr goes to the log directly.
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalStackError, LocalStackErrorReason } from '../devstack/errors.js';
import { logTail } from '../devstack/processes.js';
import { spawnService } from '../devstack/supervised-process.js';
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

/** Starts a processor process and resolves once its mapping has joined the consumer group and holds partitions. */
export async function startProcessor(options: StartProcessorOptions): Promise<RunningProcessor> {
  const base = Object.fromEntries(BASE_ENVIRONMENT.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  const child = await spawnService({
    logName: `processor-${options.processor}${options.instance === undefined ? '' : `-${options.instance}`}`,
    what: `the ${options.processor} processor`,
    command: process.execPath,
    args: ['--import', 'tsx/esm', ENTRY],
    env: { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env, RTP_PROCESSOR: options.processor },
    // Read line by line below, and teed to the log, which the child's stderr appends to.
    stdout: 'pipe',
    appendLog: options.appendLog === true,
    stopGraceMs: options.stopGraceMs ?? 70_000,
  });
  const { pid, logPath, exit: exited } = child;

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
      await child.stop();
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

