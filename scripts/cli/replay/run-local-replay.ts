import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Admin } from 'kafkajs';
import { createStateTable } from '../../../functions/core/state/dynamodb-state-table.js';
import { awsEnvironment } from '../../devstack/moto.js';
import { startProcessor, type InvokeLine, type RunningProcessor } from '../../lambda-emulator/processor-runner.js';
import { ALERTS_QUEUE_NAME, DEAD_LETTER_BUCKET, PROCESSORS, type PipelineProcessor } from '../../reference/provision.js';
import { CliError } from '../cli-error.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import type { Progress } from '../ops/progress.js';
import { recordStateVersion, STATE_VERSIONS_PATH, type StateVersion } from '../ops/state-versions.js';
import type { ReplayPlan } from './replay-plan.js';

/**
 * Runs a replay plan on the local stack: the processor as its own process,
 * exactly as the local stack runs it, but as the new consumer group from
 * `--from` (the mapping's AT_TIMESTAMP) into the new table; then waits for
 * the new group's lag to reach 0 and switches. The processor or Kafka going
 * down only delays it: the process is started again, resumes from its
 * group's committed offsets, and the state store's offset fence skips what
 * it had written past them, so nothing is lost or counted twice.
 */

export interface LocalEndpoints {
  readonly kafka: { readonly bootstrapServers: string };
  readonly moto: { readonly endpoint: string };
  readonly elasticmq: { readonly endpoint: string };
  readonly dynamodb: { readonly endpoint: string };
}

export interface LocalReplayOptions {
  readonly endpoints: LocalEndpoints;
  /** @default the local stack's state-versions.json */
  readonly versionsPath?: string;
  /** Give up (without switching) past it. @default 60 minutes */
  readonly timeoutMs?: number;
  /** Between lag measurements. @default 1 000 ms */
  readonly pollMs?: number;
  readonly progress?: Progress;
  /** Records reprocessed of the total so far (which grows while the topic is written). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Status lines: processor started, restarted, Kafka unreachable. */
  readonly log?: (line: string) => void;
  readonly onInvoke?: (line: InvokeLine) => void;
  /** Added to the processor's environment, e.g. RTP_ESM_BATCH_SIZE. */
  readonly processorEnv?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
}

export interface ReplayOutcome {
  readonly plan: ReplayPlan;
  readonly switched: StateVersion;
  /** Records the new version processed (the final total: the plan's count plus what arrived meanwhile). */
  readonly reprocessed: number;
  /** Times the processor process was started again after it stopped. */
  readonly restarts: number;
  readonly durationMs: number;
}

export async function runLocalReplay(target: PipelineTarget, plan: ReplayPlan, options: LocalReplayOptions): Promise<ReplayOutcome> {
  if (target.kind !== 'local') throw new CliError('A replay runs only on the local stack; on AWS it is a printed plan of deploy steps');
  const processor = localProcessor(plan.processor);
  const groups = new Set(plan.next.inputs.map((i) => i.consumerGroupId));
  const [groupId] = groups;
  if (groupId === undefined || groups.size !== 1) throw new CliError(`${plan.processor} reads its inputs as ${groups.size} consumer groups; a local replay runs one mapping with one group`);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 60 * 60_000);
  const pollMs = options.pollMs ?? 1_000;

  // 1. The new table.
  await createStateTable(target.dynamodb, plan.next.stateTableName);
  await waitForTable(target, plan.next.stateTableName);
  log(`created table ${plan.next.stateTableName}`);

  // 2. The processor into it, as the new group from `from`.
  const env = await processorEnvironment(target, plan, groupId, options);
  let runner: RunningProcessor | undefined;
  let exited = true;
  let restarts = 0;
  const ensureRunning = async (): Promise<void> => {
    if (!exited) return;
    const again = runner !== undefined;
    try {
      runner = await startProcessor({ processor, env, appendLog: true, startTimeoutMs: 30_000, stopGraceMs: 30_000, onInvoke: options.onInvoke });
      exited = false;
      if (again) restarts += 1;
      const current = runner;
      void current.exited.then(() => {
        if (runner === current) exited = true;
      });
      log(`${processor} ${again ? 'restarted' : 'started'} as ${groupId} (pid ${current.pid}, log ${current.logPath})`);
    } catch (error) {
      log(`${processor} did not start (${(error as Error).message.split('\n')[0] ?? ''}); trying again`);
    }
  };

  // 3. Wait for lag 0.
  let admin: Admin | undefined;
  let reprocessed = 0;
  try {
    for (;;) {
      await ensureRunning();
      const lag = await (async () => {
        if (admin === undefined) {
          const fresh = target.kafka.admin();
          await fresh.connect();
          admin = fresh;
        }
        return measure(admin, plan);
      })().catch(async (error: unknown) => {
        log(`cannot read offsets (${(error as Error).message}); Kafka down? waiting`);
        await admin?.disconnect().catch(() => undefined);
        admin = undefined;
        return undefined;
      });
      if (lag !== undefined) {
        reprocessed = lag.total - lag.remaining;
        options.progress?.total(lag.total);
        options.progress?.tick(0);
        options.onProgress?.(reprocessed, lag.total);
        if (lag.remaining === 0 && !exited) break;
      }
      if (Date.now() > deadline) {
        throw new CliError(
          `The replay did not catch up within --timeout (${lag === undefined ? 'Kafka unreachable' : `${lag.remaining} record(s) left`}). Version ${plan.currentVersion} is still current. ` +
            `Delete ${plan.next.stateTableName} and group ${groupId} and run it again, with a longer --timeout.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    await admin?.disconnect().catch(() => undefined);
    await runner?.stop();
  }

  // 4. The switch.
  const switched: StateVersion = {
    version: plan.newVersion,
    stateTableName: plan.next.stateTableName,
    consumerGroupIds: plan.next.inputs.map((i) => i.consumerGroupId),
    from: plan.from,
    switchedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  await recordStateVersion(plan.processor, switched, options.versionsPath ?? STATE_VERSIONS_PATH);
  log(`switched ${plan.processor} to state version ${plan.newVersion}; ${plan.current.stateTableName} is kept for rollback`);
  return { plan, switched, reprocessed, restarts, durationMs: Date.now() - started };
}

function localProcessor(name: string): PipelineProcessor {
  const found = PROCESSORS.find((p) => p === name);
  if (found === undefined) throw new CliError(`No local processor '${name}'; known: ${PROCESSORS.join(', ')}`);
  return found;
}

/** What scripts/reference/demo.ts gives the processor, with the new table, group and starting position. */
async function processorEnvironment(target: PipelineTarget, plan: ReplayPlan, groupId: string, options: LocalReplayOptions): Promise<Record<string, string>> {
  const { endpoints } = options;
  return {
    ...awsEnvironment(endpoints.moto.endpoint, endpoints.elasticmq.endpoint),
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb.endpoint,
    STATE_TABLE_NAME: plan.next.stateTableName,
    INPUT_PARTITIONS: String(plan.inputs[0]?.partitions.length ?? 1),
    SCHEMA_REGISTRY_NAME: target.registryName,
    DEAD_LETTER_QUEUE_URL: await target.queueUrl(plan.current.deadLetterQueueName),
    DEAD_LETTER_BUCKET,
    ...(plan.processor === 'order-analytics' ? { EMIT_QUEUE_URL: await target.queueUrl(ALERTS_QUEUE_NAME) } : {}),
    RTP_FUNCTION_NAME: `${plan.processor}-v${plan.newVersion}`,
    RTP_KAFKA_BOOTSTRAP_SERVERS: endpoints.kafka.bootstrapServers,
    RTP_ESM_TOPICS: plan.next.inputs.map((i) => i.topic).join(','),
    RTP_ESM_CONSUMER_GROUP_ID: groupId,
    // Only for partitions the group has not committed on: after a restart it resumes from its commits.
    RTP_ESM_STARTING_POSITION: 'AT_TIMESTAMP',
    RTP_ESM_STARTING_POSITION_TIMESTAMP: plan.from,
    RTP_ESM_ON_FAILURE_QUEUE_URL: await target.queueUrl(plan.current.onFailureQueueName),
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...options.processorEnv,
  };
}

/**
 * The new group's lag, counted from the plan's start offsets: not
 * measureProcessorLag, which counts a group without commits from the log
 * start (so a partition with nothing after `from`, where the group never
 * commits, would never reach 0) and reads a record per lagging partition for
 * its time lag, too slow to poll.
 */
async function measure(admin: Admin, plan: ReplayPlan): Promise<{ total: number; remaining: number }> {
  let total = 0;
  let remaining = 0;
  for (const input of plan.inputs) {
    const ends = await admin.fetchTopicOffsets(input.topic);
    const committed = await admin.fetchOffsets({ groupId: input.consumerGroupId, topics: [input.topic] });
    const at = new Map((committed.find((c) => c.topic === input.topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const w of ends) {
      const start = input.partitions.find((p) => p.partition === w.partition)?.startOffset ?? Number(w.low);
      const end = Number(w.high);
      const position = Math.max(at.get(w.partition) ?? -1, start);
      total += Math.max(0, end - start);
      remaining += Math.max(0, end - position);
    }
  }
  return { total, remaining };
}

async function waitForTable(target: PipelineTarget, table: string): Promise<void> {
  for (let i = 0; i < 60; i += 1) {
    const { Table } = await target.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new CliError(`Table ${table} did not become ACTIVE within 30 s`);
}
