import { Command, InvalidArgumentError } from 'commander';
import kafkajs from 'kafkajs';
import { KafkaEventError } from '../../functions/core/msk/errors.js';
import { CliError } from './cli-error.js';
import { decodeCommand } from './decode/decode-command.js';
import { doctorChecks, formatChecks } from './doctor/doctor-command.js';
import { registerDlqCommands } from './dlq/dlq-command.js';
import { registerLagCommands } from './lag/lag-command.js';
import { registerLocalCommands } from './local/local-command.js';
import { registerProduceCommands } from './produce/produce-command.js';
import { registerReplayCommands } from './replay/replay-command.js';
import { registerSchemaCommands } from './schema/schema-command.js';
import { runDemo } from '../reference/demo.js';
import { LocalStackError } from '../devstack/errors.js';

const program = new Command('rtp')
  .description('realtime-pipeline: run, inspect and operate the pipeline')
  .showHelpAfterError();

program
  .command('decode')
  .description('Decode an MSK event file exactly as a processor would; one JSON line per record')
  .requiredOption('--event <file.json>', 'the MSK event, as Lambda delivers it')
  .option('--registry <dir>', 'resolve writer schemas from <schemaVersionId>.avsc files in this folder (offline)')
  .option('--registry-name <name>', 'the Glue registry to ask (default: $SCHEMA_REGISTRY_NAME)')
  .option('--reader <file.avsc>', 'resolve each record to this reader schema')
  .action(async (options: { event: string; registry?: string; registryName?: string; reader?: string }) => {
    await decodeCommand(options, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('doctor')
  .description('Check what the local stack needs from this machine, and say how to get what is missing')
  .option('--json', 'print the checks as JSON')
  .action(async (options: { json?: boolean }) => {
    const checks = await doctorChecks();
    if (options.json === true) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
    else for (const line of formatChecks(checks)) process.stdout.write(`${line}\n`);
    if (checks.some((c) => !c.ok)) process.exitCode = 1;
  });

registerLocalCommands(program);
registerSchemaCommands(program);
registerDlqCommands(program);
registerLagCommands(program);
registerProduceCommands(program);
registerReplayCommands(program);

/**
 * The demo's defaults: a rate the local stack keeps up with on 2 cores, so
 * the report's latency is the pipeline's and not a backlog's (the bench's
 * end-to-end section measures the same pipeline at 100 steps/s), and enough
 * events for a few minutes of event time, so windows close during the run.
 */
const DEMO_EVENTS = 8_000;
const DEMO_RATE_PER_SEC = 100;

function demoRate(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected steps per second above 0, or 'max', got '${value}'`);
  return n;
}

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

/** commander's parser for a count: a clear error naming the option, before anything starts. */
function positiveWholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got '${value}'`);
  return n;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError || error instanceof KafkaEventError || error instanceof LocalStackError) {
    process.stderr.write(`rtp: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else if (isAwsServiceError(error)) {
    // An AWS answer (AccessDenied, a missing resource, throttling): its name and message say what to fix; a stack trace would not.
    process.stderr.write(`rtp: AWS ${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof kafkajs.KafkaJSError) {
    process.stderr.write(`rtp: Kafka ${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

/** An error the AWS SDK raised from a service's answer: every one carries `$metadata`. */
function isAwsServiceError(error: unknown): error is Error & { $metadata: object } {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
}
