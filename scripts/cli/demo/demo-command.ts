import { InvalidArgumentError, type Command } from 'commander';
import { runDemo } from '../../reference/demo.js';
import { CliError } from '../cli-error.js';

/**
 * The demo's defaults: a rate the local stack keeps up with on 2 cores, so
 * the report's latency is the pipeline's and not a backlog's (the bench's
 * end-to-end section measures the same pipeline at 100 steps/s), and enough
 * events for a few minutes of event time, so windows close during the run.
 */
const DEMO_EVENTS = 8_000;
const DEMO_RATE_PER_SEC = 100;

/** `rtp demo`: the reference pipeline end to end on a fresh local stack. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the reference pipeline locally end to end on a fresh stack and print its report; exits 1 unless reconciliation finds no difference')
    .option('--events <n>', 'business events the retail workload writes', positiveWholeNumber, DEMO_EVENTS)
    .option('--rate <n|max>', 'workload steps written per second; max writes as fast as Postgres takes them, which measures a backlog', demoRate, DEMO_RATE_PER_SEC)
    .option('--seed <n>', 'seed of the workload, for a run that repeats exactly', '1')
    .option('--partitions <n>', 'partitions of each input topic', positiveWholeNumber, 3)
    .option('--instances <n>', 'processes of each processor in one consumer group (at most --partitions)', positiveWholeNumber, 1)
    .action(async (options: { events: number; rate: number | 'max'; seed: string; partitions: number; instances: number }) => {
      const seed = Number(options.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be a whole number, got '${options.seed}'`);
      const { differences } = await runDemo({
        events: options.events,
        seed,
        partitions: options.partitions,
        instances: options.instances,
        ...(options.rate === 'max' ? {} : { ratePerSec: options.rate }),
        write: (line) => process.stdout.write(`${line}\n`),
      });
      if (differences > 0) process.exitCode = 1;
    });
}

function demoRate(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected steps per second above 0, or 'max', got '${value}'`);
  return n;
}

/** commander's parser for a count: a clear error naming the option, before anything starts. */
function positiveWholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got '${value}'`);
  return n;
}
