import { Option, type Command } from 'commander';
import { readStackState } from '../../devstack/stack-supervisor.js';
import { CliError } from '../cli-error.js';
import { confirmByTyping } from '../dlq/confirm.js';
import { envOption, resolveTarget } from '../ops/pipeline-target.js';
import { createProgress } from '../ops/progress.js';
import { durationOption, timestampOption } from '../option-parsers.js';
import { STATE_VERSIONS_PATH } from '../ops/state-versions.js';
import { formatPlan } from './format-plan.js';
import { planReplay } from './replay-plan.js';
import { runLocalReplay } from './run-local-replay.js';

interface ReplayCliOptions {
  /** --from, in epoch milliseconds */
  readonly from: number;
  readonly env?: string;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
  /** --timeout, in milliseconds */
  readonly timeout: number;
}

export function registerReplayCommands(program: Command): void {
  program
    .command('replay')
    .description(
      "Kappa-style reprocessing: rebuild a processor's state as a new version (new table, new consumer group from --from) while the current one serves, then switch. Prints the plan first; runs it on the local stack, prints the deploy steps for --env",
    )
    .argument('<processor>', 'the processor to reprocess')
    .addOption(
      new Option('--from <timestamp>', 'reprocess records from this time: ISO-8601 (2026-11-22T06:00:00Z) or epoch milliseconds')
        .argParser(timestampOption({ notInFuture: true }))
        .makeOptionMandatory(),
    )
    .addOption(envOption('a deployed environment: prints the plan as deploy steps; default: the local stack'))
    .option('--dry-run', 'print the plan only')
    .option('--yes', 'run without asking (needed when stdin is not a terminal)')
    .addOption(new Option('--timeout <minutes>', 'give up, without switching, if the new version has not caught up by then').argParser(durationOption('minutes')).default(60 * 60_000, '60'))
    .option('--json', 'print the plan and the outcome as JSON')
    .action(async (processor: string, options: ReplayCliOptions) => {
      const { from: fromMs, timeout: timeoutMs } = options;
      const json = options.json === true;
      const write = (text: string): void => void process.stdout.write(`${text}\n`);
      const target = await resolveTarget(options.env === undefined ? {} : { env: options.env });
      try {
        const plan = await planReplay(target, processor, fromMs);
        const planOnly = options.dryRun === true || target.kind === 'aws';
        // With --json, stdout gets one document: the plan alone, or the plan and the outcome once the run is done.
        if (json && planOnly) write(JSON.stringify({ plan }, null, 2));
        if (!json) write(formatPlan(plan, STATE_VERSIONS_PATH).join('\n'));
        if (planOnly) return;
        if (options.yes !== true) {
          if (json) process.stderr.write(`${formatPlan(plan, STATE_VERSIONS_PATH).join('\n')}\n`);
          if (process.stdin.isTTY !== true) throw new CliError('Refusing to replay without confirmation: stdin is not a terminal. Pass --yes to run it from a script, or --dry-run to print the plan only.');
          if (!(await confirmByTyping(`Run this replay on the ${target.label}?`, processor))) throw new CliError('Not confirmed; nothing was changed.');
        }
        const state = await readStackState();
        if (state === undefined) throw new CliError('No local stack is running: start one with `rtp local up`');
        const progress = createProgress(`replaying ${processor}`, { unit: 'records', quiet: json });
        try {
          const outcome = await runLocalReplay(target, plan, {
            endpoints: state.endpoints,
            timeoutMs,
            progress,
            log: (line) => void process.stderr.write(`${line}\n`),
          });
          progress.stop();
          if (json) write(JSON.stringify({ plan, outcome: { switched: outcome.switched, reprocessed: outcome.reprocessed, restarts: outcome.restarts, durationMs: outcome.durationMs } }, null, 2));
          else write(`Done: ${outcome.reprocessed} record(s) reprocessed, ${outcome.restarts} restart(s); ${processor} is now on state version ${outcome.switched.version} (${outcome.switched.stateTableName}).`);
        } finally {
          progress.stop();
        }
      } finally {
        target.close();
      }
    });
}
