import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { ROOT } from './paths.js';
import { isAlive, waitForExit, type ServiceProcess } from './supervised-process.js';

/**
 * Waiting on processes of the local stack: for a health condition, and a
 * log's tail for the error when it fails. The supervisor that starts and
 * stops them is supervised-process.ts; the free-port start is
 * free-port-start.ts.
 */

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

/** The log's last lines without Java stack frames, which would push the cause out of view. */
export async function logTail(logPath: string, lines = 15): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const meaningful = text.trimEnd().split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
  return `last lines of ${relative(ROOT, logPath)} (stack frames omitted):\n${meaningful.slice(-lines).join('\n')}`;
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
