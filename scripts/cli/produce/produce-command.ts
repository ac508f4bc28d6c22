import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { resolveTarget } from '../ops/pipeline-target.js';
import { produceLoad, type ProduceSummary } from './load-generator.js';

interface ProduceCliOptions {
  readonly subject?: string;
  readonly rate: string;
  readonly count: string;
  readonly version?: string;
  readonly keyField?: string;
  readonly seed?: string;
  readonly env?: string;
  readonly json?: boolean;
}

export function registerProduceCommands(program: Command): void {
  program
    .command('produce')
    .description('Load generator: random valid records of a subject, in the Glue wire format, at a given rate (idempotent, acks=all)')
    .argument('<topic>', 'the topic to write to')
    .option('--subject <name>', 'the schemas/ subject of the records (default: the one governing the topic)')
    .requiredOption('--rate <n>', 'records per second, at most')
    .requiredOption('--count <m>', 'records to write')
    .option('--version <v>', 'the schema version to write with (default: the newest in schemas/); it must be registered')
    .option('--key-field <path>', 'dotted path of the field used as the record key (default for orders: payload.order_id; else no key)')
    .option('--seed <x>', 'seed of the generator: the same seed writes the same records (default: random, printed)')
    .option('--env <name>', 'a deployed environment (dev, staging, prod); default: the local stack')
    .option('--json', 'print the summary as JSON, and no progress bar')
    .action(async (topic: string, options: ProduceCliOptions) => {
      const rate = positive(options.rate, '--rate', false);
      const count = positive(options.count, '--count', true);
      const version = options.version === undefined ? undefined : positive(options.version, '--version', true);
      const seed = options.seed === undefined ? undefined : wholeNumber(options.seed, '--seed');
      const json = options.json === true;
      const target = await resolveTarget(options.env === undefined ? {} : { env: options.env });
      try {
        const summary = await produceLoad(target, {
          topic,
          rate,
          count,
          quiet: json,
          onWarning: (line) => void process.stderr.write(`${line}\n`),
          subject: options.subject,
          version,
          keyField: options.keyField,
          seed,
        });
        process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary).join('\n')}\n`);
        if (summary.errors > 0) process.exitCode = 1;
      } finally {
        target.close();
      }
    });
}

export function formatSummary(s: ProduceSummary): string[] {
  return [
    `produced ${s.records} records to ${s.topic} (${s.subject} v${s.version}, schema version ${s.schemaVersionId}) in ${(s.elapsedMs / 1_000).toFixed(1)} s: ${s.achievedRate} records/s of ${s.requestedRate} requested`,
    `key ${s.keyField ?? 'none'}, seed ${s.seed} (pass --seed ${s.seed} to write the same records again)`,
    s.errors === 0 ? 'errors: none' : `errors: ${s.errors} records not acknowledged; first: ${s.firstError ?? '?'}`,
  ];
}

function positive(text: string, option: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new CliError(`${option} must be a positive ${integer ? 'whole ' : ''}number, got '${text}'`);
  }
  return value;
}

function wholeNumber(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) throw new CliError(`${option} must be a whole number from 0 to 2^32-1, got '${text}'`);
  return value;
}
