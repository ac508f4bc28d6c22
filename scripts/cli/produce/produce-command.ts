import { Option, type Command } from 'commander';
import { integerOption, numberOption } from '../option-parsers.js';
import { envOption, resolveTarget } from '../ops/pipeline-target.js';
import { produceLoad, type ProduceOptions, type ProduceSummary } from './load-generator.js';

/** What the command line gives: the generator's own options, and where and how to report. */
type ProduceCliOptions = Pick<ProduceOptions, 'subject' | 'rate' | 'count' | 'version' | 'keyField' | 'seed'> & {
  readonly env?: string;
  readonly json?: boolean;
};

export function registerProduceCommands(program: Command): void {
  program
    .command('produce')
    .description('Load generator: random valid records of a subject, in the Glue wire format, at a given rate (idempotent, acks=all)')
    .argument('<topic>', 'the topic to write to')
    .option('--subject <name>', 'the schemas/ subject of the records (default: the one governing the topic)')
    .addOption(new Option('--rate <n>', 'records per second, at most').argParser(numberOption({ above: 0 })).makeOptionMandatory())
    .addOption(new Option('--count <m>', 'records to write').argParser(integerOption({ min: 1 })).makeOptionMandatory())
    .addOption(new Option('--version <v>', 'the schema version to write with (default: the newest in schemas/); it must be registered').argParser(integerOption({ min: 1 })))
    .option('--key-field <path>', 'dotted path of the field used as the record key (default for orders: payload.order_id; else no key)')
    .addOption(new Option('--seed <x>', 'seed of the generator: the same seed writes the same records (default: random, printed)').argParser(integerOption({ min: 0, max: 2 ** 32 - 1 })))
    .addOption(envOption('a deployed environment; default: the local stack'))
    .option('--json', 'print the summary as JSON, and no progress bar')
    .action(async (topic: string, options: ProduceCliOptions) => {
      const { rate, count, version, seed } = options;
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
