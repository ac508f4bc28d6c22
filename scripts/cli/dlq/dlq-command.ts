import { Option, type Command } from 'commander';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { CliError } from '../cli-error.js';
import { confirmByTyping } from './confirm.js';
import { formatInspect, formatPurge, formatReplay } from './format.js';
import { inspectQueue } from './inspect.js';
import { purgeQueue } from './purge.js';
import { DLQ_QUEUES, DlqQueue } from './queue-messages.js';
import { replayDeadLetters } from './replay.js';
import { kafkaReplayProducer } from './replay-producer.js';
import { envOption, resolveTarget, type PipelineTarget } from '../ops/pipeline-target.js';
import { createProgress } from '../ops/progress.js';
import { integerOption } from '../option-parsers.js';

interface CommonOptions {
  readonly env?: string;
  readonly json?: boolean;
}

const ENV_DESCRIPTION = 'a deployed environment; default: the local stack';
const queueOption = (): Option => new Option('--queue <queue>', 'which queue').choices(DLQ_QUEUES).default(DlqQueue.DEAD_LETTERS);

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description("Inspect, replay and purge a processor's dead letters (its DLQ and the mapping's on-failure queue)");

  dlq
    .command('inspect')
    .description('Counts by reason, topic and partition, and sample records decoded; reads without consuming (nothing is deleted)')
    .argument('<processor>', 'the processor whose queue to read')
    .addOption(queueOption())
    .addOption(new Option('--samples <n>', 'sample messages to show in full').argParser(integerOption({ min: 0 })).default(3))
    .addOption(new Option('--max-messages <n>', 'read at most <n> messages (counts are partial past it)').argParser(integerOption({ min: 1 })).default(10_000))
    .addOption(envOption(ENV_DESCRIPTION))
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { queue: DlqQueue; samples: number; maxMessages: number }) => {
      const { queue, samples, maxMessages } = options;
      await withTarget(options, async (target) => {
        const progress = createProgress(`reading ${queue}`, { unit: 'messages', quiet: options.json === true });
        const report = await inspectQueue(target, processor, { queue, samples, maxMessages, progress });
        print(options, report, formatInspect(report));
      });
    });

  dlq
    .command('replay')
    .description(
      'Re-produce dead letters (original key, value, headers, partition and timestamp) to their source topic with an idempotent acks=all producer, deleting each only after Kafka acknowledged it',
    )
    .argument('<processor>', 'the processor whose dead letters to replay')
    .addOption(new Option('--reason <reason>', 'only letters of this reason; the others stay').choices(DEAD_LETTER_REASONS))
    .option('--dry-run', 'list what would be replayed; produce and delete nothing')
    .addOption(new Option('--limit <n>', 'replay at most <n> letters').argParser(integerOption({ min: 1 })))
    .addOption(queueOption())
    .addOption(envOption(ENV_DESCRIPTION))
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { reason?: DeadLetterReason; dryRun?: boolean; limit?: number; queue: DlqQueue }) => {
      if (options.queue === DlqQueue.ON_FAILURE) {
        throw new CliError(
          'On-failure messages carry no records, only the topic-partition and offset range the mapping gave up on (see them with `rtp dlq inspect ' +
            `${processor} --queue on-failure\`). Those records are still in the topic while its retention holds them: reprocess them with \`rtp replay ${processor} --from <firstRecordTimestamp>\`, ` +
            'or see docs/runbooks/dlq-growing.md; then purge the on-failure queue.',
        );
      }
      const { reason, limit } = options;
      await withTarget(options, async (target) => {
        const progress = createProgress(options.dryRun === true ? 'reading dead letters' : 'replaying', { unit: 'messages', quiet: options.json === true });
        const report = await replayDeadLetters(target, processor, {
          reason,
          limit,
          dryRun: options.dryRun === true,
          openProducer: () => kafkaReplayProducer(target.kafka),
          progress,
        });
        print(options, report, formatReplay(report));
        if (report.error !== undefined || report.unresolved.length > 0 || report.notDeleted > 0) process.exitCode = 1;
      });
    });

  dlq
    .command('purge')
    .description('Delete every message of the queue (PurgeQueue) and the S3 payloads of offloaded letters; asks for the processor name first')
    .argument('<processor>', 'the processor whose queue to purge')
    .addOption(queueOption())
    .option('--yes', 'do not ask (required when stdin is not a terminal)')
    .addOption(envOption(ENV_DESCRIPTION))
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { queue: DlqQueue; yes?: boolean }) => {
      const { queue } = options;
      if (options.yes !== true && process.stdin.isTTY !== true) {
        throw new CliError('Refusing to purge without confirmation: stdin is not a terminal. Pass --yes to purge from a script.');
      }
      await withTarget(options, async (target) => {
        target.processor(processor); // an unknown name fails before the question
        const report = await purgeQueue(target, processor, {
          queue,
          confirm: (depth, queueUrl) =>
            options.yes === true
              ? Promise.resolve(true)
              : confirmByTyping(`Purge ${queueUrl} on the ${target.label}: about ${depth.visible + depth.inFlight} message(s), gone for good.`, processor),
        });
        print(options, report, formatPurge(report));
        if (!report.purged) process.exitCode = 1;
      });
    });
}

async function withTarget(options: CommonOptions, run: (target: PipelineTarget) => Promise<void>): Promise<void> {
  const target = await resolveTarget(options.env === undefined ? {} : { env: options.env });
  try {
    await run(target);
  } finally {
    target.close();
  }
}

function print(options: CommonOptions, report: unknown, lines: readonly string[]): void {
  process.stdout.write(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${lines.join('\n')}\n`);
}
