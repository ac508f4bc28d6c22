import { Option, type Command } from 'commander';
import type { Admin } from 'kafkajs';
import { measureProcessorLag, type InputLag, type MeasureLagOptions } from './consumer-lag.js';
import { formatLagReport, lagReport, type LagReport } from './lag-report.js';
import { envOption, resolveTarget, type PipelineTarget } from '../ops/pipeline-target.js';
import { durationOption, integerOption } from '../option-parsers.js';

export interface LagOptions extends MeasureLagOptions {
  /** One processor; @default every processor of the target */
  readonly processor?: string;
  /** Exit 1 when the total offset lag is above it. */
  readonly maxLag?: number;
}

/** One measurement of the lag of the target's processors (or the one named). */
export async function measureLag(target: PipelineTarget, options: LagOptions = {}): Promise<LagReport> {
  const admin = target.kafka.admin();
  await admin.connect();
  try {
    return await measureWith(target, admin, options);
  } finally {
    await admin.disconnect();
  }
}

async function measureWith(target: PipelineTarget, admin: Admin, options: LagOptions): Promise<LagReport> {
  const names = options.processor === undefined ? target.processorNames : [options.processor];
  // Resolved first, so an unknown name fails before any Kafka call.
  const processors = names.map((name) => target.processor(name));
  const inputs: InputLag[] = [];
  for (const p of processors) inputs.push(...(await measureProcessorLag(target.kafka, admin, p.processor, p.inputs, options)));
  return lagReport(target.label, inputs, new Date((options.now ?? Date.now)()), options.maxLag);
}

interface LagCliOptions {
  readonly env?: string;
  readonly json?: boolean;
  /** --watch, in milliseconds */
  readonly watch?: number;
  readonly maxLag?: number;
}

export function registerLagCommands(program: Command): void {
  program
    .command('lag')
    .description("Consumer lag of each processor's consumer groups: per partition committed offset, end offset, offset lag and time lag")
    .argument('[processor]', 'one processor (default: all)')
    .addOption(envOption('a deployed environment; default: the local stack'))
    .option('--json', 'print the report as JSON (one line per round with --watch)')
    .addOption(new Option('--watch <seconds>', 'measure again every <seconds> until interrupted').argParser(durationOption('seconds')))
    .addOption(new Option('--max-lag <records>', 'exit 1 when the total offset lag is above <records> (with --watch: in the last round)').argParser(integerOption({ min: 0 })))
    .action(async (processor: string | undefined, options: LagCliOptions) => {
      const { watch: watchMs, maxLag } = options;
      const target = await resolveTarget(options.env === undefined ? {} : { env: options.env });
      try {
        const lagOptions: LagOptions = { processor, maxLag };
        const write = (text: string): void => void process.stdout.write(text);
        const report = watchMs === undefined ? await once(target, lagOptions, options.json === true, write) : await watch(target, lagOptions, options.json === true, watchMs, write);
        if (report?.exceeded === true) process.exitCode = 1;
      } finally {
        target.close();
      }
    });
}

async function once(target: PipelineTarget, options: LagOptions, json: boolean, write: (text: string) => void): Promise<LagReport> {
  const report = await measureLag(target, options);
  write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatLagReport(report).join('\n')}\n`);
  return report;
}

/** Rounds until SIGINT/SIGTERM; the last report decides the exit code. */
async function watch(target: PipelineTarget, options: LagOptions, json: boolean, intervalMs: number, write: (text: string) => void): Promise<LagReport | undefined> {
  const admin = target.kafka.admin();
  await admin.connect();
  let stopped = false;
  let wake: () => void = () => undefined;
  const stop = (): void => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let last: LagReport | undefined;
  try {
    while (!stopped) {
      last = await measureWith(target, admin, options);
      if (json) write(`${JSON.stringify(last)}\n`);
      else write(`${process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n'}${formatLagReport(last).join('\n')}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await admin.disconnect();
  }
  return last;
}
