import { InvalidArgumentError, type Command } from 'commander';
import { runDemo } from '../../reference/demo.js';
import { integerOption, numberOption } from '../option-parsers.js';

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
    .option('--events <n>', 'business events the retail workload writes', integerOption({ min: 1 }), DEMO_EVENTS)
    .option('--rate <n|max>', 'workload steps written per second; max writes as fast as Postgres takes them, which measures a backlog', demoRate, DEMO_RATE_PER_SEC)
    .option('--seed <n>', 'seed of the workload, for a run that repeats exactly', integerOption(), 1)
    .option('--partitions <n>', 'partitions of each input topic', integerOption({ min: 1 }), 3)
    .option('--instances <n>', 'processes of each processor in one consumer group (at most --partitions)', integerOption({ min: 1 }), 1)
    .action(async (options: { events: number; rate: number | 'max'; seed: number; partitions: number; instances: number }) => {
      const { differences } = await runDemo({
        events: options.events,
        seed: options.seed,
        partitions: options.partitions,
        instances: options.instances,
        ...(options.rate === 'max' ? {} : { ratePerSec: options.rate }),
        write: (line) => process.stdout.write(`${line}\n`),
      });
      if (differences > 0) process.exitCode = 1;
    });
}

const stepsPerSecond = numberOption({ above: 0 });

/** --rate: steps per second, or 'max'. */
function demoRate(value: string): number | 'max' {
  if (value === 'max') return 'max';
  try {
    return stepsPerSecond(value);
  } catch {
    throw new InvalidArgumentError(`must be a number of steps per second above 0, or 'max', got '${value}'`);
  }
}
