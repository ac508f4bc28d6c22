import { SingleBar } from 'cli-progress';

/** Progress of a long operation: a bar on a terminal, nothing otherwise (scripts, CI, `--json`). */
export interface Progress {
  /** Sets the total when it becomes known (or changes). */
  total(total: number): void;
  /** Advances by `by` (default 1). */
  tick(by?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, e.g. 'records' or 'messages'. */
  readonly unit: string;
  /** @default process.stderr.isTTY and not `quiet` */
  readonly enabled?: boolean;
  /** Turns the bar off, as `--json` does. */
  readonly quiet?: boolean;
}

/** A bar on stderr, so stdout stays clean for results and `--json`. */
export function createProgress(label: string, options: ProgressOptions): Progress {
  const enabled = options.enabled ?? (process.stderr.isTTY && options.quiet !== true);
  if (!enabled) return { total: () => undefined, tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} ${options.unit} | {percentage}% | eta {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(0, 0);
  return {
    total: (total) => bar.setTotal(total),
    tick: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
