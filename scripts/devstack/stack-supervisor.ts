import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, ROOT, STATE_DIR } from './paths.js';
import { logTail } from './processes.js';
import { isAlive, signalThenKill, stopPid } from './supervised-process.js';
import { isListening } from './free-port-start.js';
import { startStack, STACK_SERVICES, type StackDatabase, type StackEndpoints, type StackService } from './stack.js';

/**
 * `rtp local up` runs the stack in a detached supervisor process, so the
 * services outlive the command that started them: the supervisor owns every
 * service process, records where they are in `.rtp/stack.json`, and stops
 * them all when it receives SIGTERM (`rtp local down`).
 */

export const STACK_FILE = join(STATE_DIR, 'stack.json');
export const SUPERVISOR_LOG = join(LOG_DIR, 'stack.log');

export interface StackState {
  readonly supervisorPid: number;
  readonly startedAt: string;
  readonly endpoints: StackEndpoints;
}

/** What `.rtp/stack.json` holds: a stack started by an earlier version of rtp lacks the services added since. */
interface RecordedStackState {
  readonly supervisorPid: number;
  readonly startedAt: string;
  readonly endpoints: Partial<StackEndpoints>;
}

async function readRecordedState(): Promise<RecordedStackState | undefined> {
  try {
    return JSON.parse(await readFile(STACK_FILE, 'utf8')) as RecordedStackState;
  } catch {
    return undefined;
  }
}

/** The running stack as recorded; throws, naming what is missing, when an earlier version of rtp started it. */
export async function readStackState(): Promise<StackState | undefined> {
  const recorded = await readRecordedState();
  return recorded === undefined ? undefined : complete(recorded);
}

function complete(recorded: RecordedStackState): StackState {
  const missing = STACK_SERVICES.filter((service) => recorded.endpoints[service] === undefined);
  if (missing.length > 0) {
    throw new LocalStackError(
      `The local stack recorded in ${STACK_FILE} was started by an earlier version of rtp and has no ${missing.join(', ')}; ` +
        'stop it with `rtp local down` and start it again with `rtp local up`',
      LocalStackErrorReason.STALE_STACK,
    );
  }
  return recorded as StackState;
}

/** Runs inside the supervisor: start the stack, record it, and wait for SIGTERM or SIGINT. */
export async function superviseStack(options: { fresh: boolean; database: StackDatabase }): Promise<void> {
  const progress = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  let stopping = false;
  // Filled once the stack is up; a signal that arrives earlier exits after the start.
  const running: { stack?: Awaited<ReturnType<typeof startStack>> } = {};
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Still starting: the start finishes, sees `stopping`, and stops what it started.
    if (running.stack === undefined) return;
    progress('stopping the local stack');
    await running.stack?.stop();
    await rm(STACK_FILE, { force: true });
    progress('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  const stack = await startStack({ fresh: options.fresh, database: options.database, onProgress: progress });
  running.stack = stack;
  if (stopping) {
    progress('stopping the local stack');
    await stack.stop();
    process.exit(0);
  }
  const state: StackState = { supervisorPid: process.pid, startedAt: new Date().toISOString(), endpoints: stack.endpoints };
  await writeFile(STACK_FILE, `${JSON.stringify(state, null, 2)}\n`);
  progress('the local stack is up');
  // Keep the event loop alive until a signal arrives.
  setInterval(() => undefined, 60_000);
}

export interface ServiceStatus {
  readonly service: StackService;
  readonly pid: number | undefined;
  readonly port: number;
  readonly up: boolean;
  readonly address: string;
  readonly logPath: string;
}

export function addressOf(endpoints: StackEndpoints, service: StackService): string {
  switch (service) {
    case 'postgres':
      return endpoints.postgres.connectionString;
    case 'kafka':
      return endpoints.kafka.bootstrapServers;
    case 'kafka-connect':
      return endpoints['kafka-connect'].restUrl;
    default:
      return endpoints[service].endpoint;
  }
}

export async function stackStatus(state: StackState): Promise<ServiceStatus[]> {
  return Promise.all(
    STACK_SERVICES.map(async (service) => {
      const { pid, port, logPath } = state.endpoints[service];
      return { service, pid, port, logPath, address: addressOf(state.endpoints, service), up: (pid === undefined || isAlive(pid)) && (await isListening(port)) };
    }),
  );
}

/** The command that runs `superviseStack` in a process of its own; the caller knows it, devstack does not. */
export interface SupervisorCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Starts the supervisor unless one is running, streaming its progress to
 * `write` until the stack is up; resolves with the recorded state. Idempotent.
 */
export async function stackUp(options: { fresh: boolean; supervisor: SupervisorCommand; write: (line: string) => void; timeoutMs?: number }): Promise<StackState> {
  const existing = await readRecordedState();
  if (existing !== undefined && isAlive(existing.supervisorPid)) {
    if (options.fresh) throw new LocalStackError('The local stack is already up; run `rtp local down` before `rtp local up --fresh`.', LocalStackErrorReason.START_FAILED);
    return complete(existing);
  }
  await rm(STACK_FILE, { force: true });
  await mkdir(LOG_DIR, { recursive: true });
  const log = await open(SUPERVISOR_LOG, 'w');
  const child = spawn(options.supervisor.command, [...options.supervisor.args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  await log.close();
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new LocalStackError('Could not start the local stack supervisor', LocalStackErrorReason.START_FAILED);
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  let shown = 0;
  for (;;) {
    const text = await readFile(SUPERVISOR_LOG, 'utf8').catch(() => '');
    const lines = text.split('\n').filter((l) => l.length > 0);
    for (const line of lines.slice(shown)) options.write(line.replace(/^\S+ /, ''));
    shown = lines.length;
    const state = await readStackState();
    if (state !== undefined && state.supervisorPid === pid) return state;
    if (!isAlive(pid)) throw new LocalStackError(`The local stack did not start; ${await logTail(SUPERVISOR_LOG, 30)}`, LocalStackErrorReason.START_FAILED);
    if (Date.now() > deadline) {
      await stopPid(pid);
      throw new LocalStackError(`The local stack was not up after ${Math.round((options.timeoutMs ?? 20 * 60_000) / 1000)} s; ${await logTail(SUPERVISOR_LOG, 30)}`, LocalStackErrorReason.START_TIMEOUT);
    }
    await delay(250);
  }
}

/**
 * Stops the supervisor, which stops its services; then makes sure every
 * service pid it recorded is gone, in case the supervisor itself had been
 * killed. Stops by pid only.
 */
export async function stackDown(): Promise<{ stopped: boolean }> {
  // As recorded, whichever version of rtp started it: stopping must not need the services added since.
  const state = await readRecordedState();
  if (state === undefined) return { stopped: false };
  await stopPid(state.supervisorPid, { steps: signalThenKill(120_000) });
  for (const service of [...STACK_SERVICES].reverse()) {
    const pid = state.endpoints[service]?.pid;
    if (pid !== undefined) await stopPid(pid, { steps: signalThenKill(30_000) });
  }
  await rm(STACK_FILE, { force: true });
  return { stopped: true };
}
