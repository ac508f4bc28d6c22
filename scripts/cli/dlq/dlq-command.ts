import type { Command } from 'commander';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { CliError } from '../cli-error.js';
import { confirmByTyping } from './confirm.js';
import { formatInspect, formatPurge, formatReplay } from './format.js';
import { inspectQueue } from './inspect.js';
import { purgeQueue } from './purge.js';
import { DLQ_QUEUES, DlqQueue } from './queue-messages.js';
import { replayDeadLetters } from './replay.js';
import { kafkaReplayProducer } from './replay-producer.js';
import { resolveTarget, type PipelineTarget } from '../ops/pipeline-target.js';
import { createProgress } from '../ops/progress.js';

interface CommonOptions {
  readonly env?: string;
  readonly json?: boolean;
}

const ENV_OPTION = ['--env <name>', 'a deployed environment (dev, staging, prod); default: the local stack'] as const;
const QUEUE_OPTION = ['--queue <queue>', `which queue: ${DLQ_QUEUES.join(' or ')}`, DlqQueue.DEAD_LETTERS] as const;

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description("Inspect, replay and purge a processor's dead letters (its DLQ and the mapping's on-failure queue)");

  dlq
    .command('inspect')
    .description('Counts by reason, topic and partition, and sample records decoded; reads without consuming (nothing is deleted)')
    .argument('<processor>', 'the processor whose queue to read')
    .option(...QUEUE_OPTION)
    .option('--samples <n>', 'sample messages to show in full', '3')
    .option('--max-messages <n>', 'read at most <n> messages (counts are partial past it)', '10000')
    .option(...ENV_OPTION)
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { queue: string; samples: string; maxMessages: string }) => {
      const queue = queueOption(options.queue);
      const samples = wholeNumber(options.samples, '--samples', 0);
      const maxMessages = wholeNumber(options.maxMessages, '--max-messages', 1);
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
    .option('--reason <reason>', `only letters of this reason (${DEAD_LETTER_REASONS.join(', ')}); the others stay`)
    .option('--dry-run', 'list what would be replayed; produce and delete nothing')
    .option('--limit <n>', 'replay at most <n> letters')
    .option(...QUEUE_OPTION)
    .option(...ENV_OPTION)
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { reason?: string; dryRun?: boolean; limit?: string; queue: string }) => {
      if (queueOption(options.queue) === DlqQueue.ON_FAILURE) {
        throw new CliError(
          'On-failure messages carry no records, only the topic-partition and offset range the mapping gave up on (see them with `rtp dlq inspect ' +
            `${processor} --queue on-failure\`). Those records are still in the topic while its retention holds them: reprocess them with \`rtp replay ${processor} --from <firstRecordTimestamp>\`, ` +
            'or see docs/runbooks/dlq-growing.md; then purge the on-failure queue.',
        );
      }
      const reason = options.reason === undefined ? undefined : reasonOption(options.reason);
      const limit = options.limit === undefined ? undefined : wholeNumber(options.limit, '--limit', 1);
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
    .option(...QUEUE_OPTION)
    .option('--yes', 'do not ask (required when stdin is not a terminal)')
    .option(...ENV_OPTION)
    .option('--json', 'print the report as JSON')
    .action(async (processor: string, options: CommonOptions & { queue: string; yes?: boolean }) => {
      const queue = queueOption(options.queue);
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

function queueOption(value: string): DlqQueue {
  if ((DLQ_QUEUES as readonly string[]).includes(value)) return value as DlqQueue;
  throw new CliError(`--queue must be ${DLQ_QUEUES.join(' or ')}, got '${value}'`);
}

function reasonOption(value: string): DeadLetterReason {
  if ((DEAD_LETTER_REASONS as readonly string[]).includes(value)) return value as DeadLetterReason;
  throw new CliError(`--reason must be one of ${DEAD_LETTER_REASONS.join(', ')}, got '${value}'`);
}

function wholeNumber(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${option} must be a whole number of at least ${min}, got '${value}'`);
  return n;
}
