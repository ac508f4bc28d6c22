/**
 * A measurement that runs the local stack runs in a node process of its own
 * (end-to-end.ts, scale-cell.ts), with a state directory of its own: the
 * local stack's modules fix their state directory (RTP_STATE_DIR) when they
 * first load, and the bench orchestrator may well have loaded them already,
 * against the developer's `.rtp`. The process reads its configuration from
 * an environment variable and prints what it has to say on stdout.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const STDERR_KEPT = 4_000;

export interface MeasuringProcess {
  /** `.rtp/bench-<name>-<pid>`: the process's state directory, which the caller removes or keeps. */
  readonly stateDir: string;
  /** What it prints on stdout, line by line, until it closes. */
  readonly lines: AsyncIterable<string>;
  /** Its exit code, once it has exited. */
  readonly exited: Promise<number | null>;
  /** The end of what it printed on stderr, for an error message. */
  stderrTail(): string;
}

/** Starts `script` under tsx in the checkout, handing it `config` as JSON in the environment variable `configVariable`. */
export function startMeasuringProcess(options: { readonly name: string; readonly script: string; readonly configVariable: string; readonly config: unknown }): MeasuringProcess {
  const stateDir = join(ROOT, '.rtp', `bench-${options.name}-${process.pid}`);
  const child = spawn(process.execPath, ['--import', 'tsx/esm', options.script], {
    cwd: ROOT,
    env: { ...process.env, RTP_STATE_DIR: stateDir, [options.configVariable]: JSON.stringify(options.config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  return { stateDir, lines: createInterface({ input: child.stdout }), exited, stderrTail: () => stderr };
}
