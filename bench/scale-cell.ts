/**
 * The measuring process of `npm run bench -- scale` (started by scale.ts
 * with its own RTP_STATE_DIR): a local stack of Kafka, DynamoDB Local,
 * moto (Glue registry, S3) and ElasticMQ (SQS), as the demo uses them, then each cell in
 * turn on it. A cell is order-analytics, as the engine's handler or as the
 * Powertools design, run as C processor processes in one consumer group
 * behind the local MSK mapping, on a fresh `orders` topic of P partitions
 * and fresh tables:
 *
 * 1. warm-up: a small batch of orders, drained; its rate sets the backlog
 *    the drain keeps;
 * 2. idle: the warm processes sit in their group for a few seconds; their
 *    CPU then is what polling alone costs;
 * 3. drain: orders produced faster than they drain (a backlog topped up
 *    whenever it runs low) until what waits would end the drain near its
 *    target time, then timed from the first invocation to the last before
 *    every offset is committed; CPU and DynamoDB writes are read from each
 *    process's probe (scale-probe.ts) before and after;
 * 4. paced: orders at half the drain's rate, for end-to-end latency;
 * 5. check: the state's revenue per store-minute against the plan's.
 *
 * Prints one JSON object a line on stdout: progress lines and each cell.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../functions/core/state/dynamodb-state-table.js';
import { orderAnalytics } from '../functions/order-analytics/definition.js';
import { kafkaClient } from '../scripts/devstack/kafka.js';
import { awsEnvironment } from '../scripts/devstack/moto.js';
import { ORDERS_TOPIC } from '../scripts/reference/connectors.js';
import { keyPartition, latenessRulesOf, plannedLateness } from '../scripts/reference/planned-lateness.js';
import { type InvokeLine, type RunningProcessor, startProcessor } from '../scripts/lambda-emulator/processor-runner.js';
import { STORE_REVENUE_VIEW, storeRevenueWindows } from '../scripts/reference/reconcile.js';
import { type OrderStep, planOrders } from '../scripts/reference/workload.js';
import type { ScaleCell } from './figures.js';
import { createPowertoolsTables, powertoolsStoreRevenue } from './powertools-design.js';
import { type CellObservation, checkRevenue, drainCpu, failedCell, pacedKeptUp, type PartitionStatsLine, type ProbeSample, redeliveredPartitions, type Revenue, type RevenueCheck, summariseCell } from './scale-figures.js';
import { cellKey, type CellSpec, drainLowWater, nextDrainStep, pacedPhase, SCALE_CHILD_CONFIG, type ScaleSizing } from './scale-plan.js';
import { parseProbeLine, PROBE_SIGNAL } from './scale-probe.js';
import { BUCKET, REGISTRY, type ScaleStack, startScaleStack } from './scale-stack.js';
import { encodeOrders, groupProgress, produceFast, producePaced, recreateTopic, waitDrained, waitGroupStable } from './scale-topic.js';
import { fmt } from './stats.js';
import { plannedRevenue } from './workload.js';

export interface ScaleChildConfig {
  readonly cells: readonly CellSpec[];
  readonly sizing: ScaleSizing;
  readonly drainTargetSeconds: number;
  readonly commit: string;
  readonly seed: number;
}

/** What the measuring process prints on stdout, one JSON object a line. */
export type ScaleChildMessage =
  | { readonly type: 'line'; readonly line: string }
  | { readonly type: 'cell'; readonly cell: ScaleCell; readonly notes: readonly string[] }
  | { readonly type: 'error'; readonly message: string };

const PROBE = fileURLToPath(new URL('./scale-probe.ts', import.meta.url));
const POWERTOOLS_HANDLER = fileURLToPath(new URL('./scale-powertools-handler.ts', import.meta.url));
/** A drain or paced phase that has not finished after this many times its expected length has failed. */
const PHASE_TIMEOUT = { factor: 6, minMs: 180_000 } as const;
/** A paced phase's backlog may take long to work off when the pipeline fell behind; past this the cell's check cannot pass. */
const PACED_TIMEOUT_MS = 300_000;
/** Orders among the workload's events (planWorkload's default orderShare): orders per second of event time are this × eventsPerSecond. */
const ORDER_SHARE = 0.4;

function emit(message: ScaleChildMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const write = (line: string): void => emit({ type: 'line', line });
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

interface Observed {
  readonly line: InvokeLine;
  readonly at: number;
  readonly phase: Phase;
}
type Phase = 'starting' | 'warm-up' | 'idle' | 'drain' | 'paced';

/** Runs one cell on the stack; throws when it cannot finish. */
async function runCell(stack: ScaleStack, spec: CellSpec, index: number, config: ScaleChildConfig): Promise<{ cell: ScaleCell; notes: string[] }> {
  const { sizing } = config;
  const label = `cell ${index + 1}/${config.cells.length} ${cellKey(spec)}`;
  const notes: string[] = [];
  const suffix = `${index}-${Date.now().toString(36)}`;
  const group = `rtp-scale-${suffix}`;
  const stateTable = `scale-${suffix}-state`;
  const idempotencyTable = `scale-${suffix}-idempotency`;
  const tables = spec.design === 'ours' ? [stateTable] : [stateTable, idempotencyTable];

  await recreateTopic(stack.admin, spec.partitions);
  if (spec.design === 'ours') await createStateTable(stack.dynamodb, stateTable);
  else await createPowertoolsTables(stack.dynamodb, { stateTable, idempotencyTable });

  let phase: Phase = 'starting';
  const laps: Array<{ phase: string; seconds: number }> = [];
  let lapStart = Date.now();
  const lap = (name: string): void => {
    laps.push({ phase: name, seconds: Math.round((Date.now() - lapStart) / 100) / 10 });
    lapStart = Date.now();
  };
  const invocations: Observed[] = [];
  const stats: Array<{ stats: PartitionStatsLine; phase: Phase }> = [];
  const probeWaiters = new Map<number, Array<(sample: ProbeSample) => void>>();
  const onOutput = (line: string): void => {
    const probe = parseProbeLine(line);
    if (probe !== undefined) {
      probeWaiters.get(probe.pid)?.shift()?.(probe);
      return;
    }
    if (!line.includes('"Partition processed"')) return;
    try {
      const parsed = JSON.parse(line) as { message?: unknown; stats?: PartitionStatsLine };
      if (parsed.message === 'Partition processed' && parsed.stats !== undefined) stats.push({ stats: parsed.stats, phase });
    } catch {
      // Not a log line of the handler's.
    }
  };
  const env: Record<string, string> = {
    ...awsEnvironment(stack.motoEndpoint, stack.sqsEndpoint),
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
    STATE_TABLE_NAME: stateTable,
    INPUT_PARTITIONS: String(spec.partitions),
    SCHEMA_REGISTRY_NAME: REGISTRY,
    DEAD_LETTER_QUEUE_URL: stack.queues.deadLetter,
    DEAD_LETTER_BUCKET: BUCKET,
    RTP_KAFKA_BOOTSTRAP_SERVERS: stack.bootstrapServers,
    RTP_ESM_TOPICS: ORDERS_TOPIC,
    RTP_ESM_CONSUMER_GROUP_ID: group,
    RTP_ESM_BATCH_SIZE: String(spec.batchSize),
    RTP_ESM_ON_FAILURE_QUEUE_URL: stack.queues.onFailure,
    RTP_PROBE_MODULE: PROBE,
    // INFO: the engine's handler logs each partition's stats (commits, conflicts, uncommitted) at INFO, as it does on Lambda by default.
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...(spec.design === 'ours'
      ? { RTP_FUNCTION_NAME: 'order-analytics', EMIT_QUEUE_URL: stack.queues.alerts, RTP_PROBE_INDEX: 'openShard,closesAt' }
      : { RTP_FUNCTION_NAME: 'order-analytics-powertools', RTP_HANDLER_MODULE: POWERTOOLS_HANDLER, IDEMPOTENCY_TABLE_NAME: idempotencyTable }),
  };

  const processors: RunningProcessor[] = [];
  const producer = kafkaClient(stack.bootstrapServers, `rtp-scale-producer-${suffix}`).producer({ idempotent: true });
  await producer.connect();
  try {
    const starting = await Promise.allSettled(
      Array.from({ length: spec.processors }, (_, instance) =>
        startProcessor({ processor: 'order-analytics', instance, env, onOutput, onInvoke: (line) => invocations.push({ line, at: Date.now(), phase }), stopGraceMs: 20_000 }),
      ),
    );
    for (const s of starting) if (s.status === 'fulfilled') processors.push(s.value);
    const failed = starting.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await waitGroupStable(stack.admin, group, spec.processors);

    const sample = async (): Promise<ProbeSample[]> =>
      Promise.all(
        processors.map(
          (p) =>
            new Promise<ProbeSample>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`process ${p.pid} did not answer its probe`)), 15_000);
              const waiting = probeWaiters.get(p.pid) ?? [];
              waiting.push((s) => {
                clearTimeout(timer);
                resolve(s);
              });
              probeWaiters.set(p.pid, waiting);
              process.kill(p.pid, PROBE_SIGNAL);
            }),
        ),
      );

    // 1. Warm-up; its rate sets the drain's backlog.
    const startAt = Date.now() - 60_000;
    const { warmUpRecords } = sizing;
    const plan = planOrders(warmUpRecords + sizing.drain.maxRecords, { seed: config.seed, startAt });
    lap('start');
    phase = 'warm-up';
    await produceFast(producer, encodeOrders(plan.slice(0, warmUpRecords), spec.partitions, stack.orderSchemaIds, 0));
    await waitDrained(stack.admin, group, warmUpRecords, PHASE_TIMEOUT.minMs);
    const warm = span(invocations.filter((i) => i.phase === 'warm-up'));
    const warmRate = warm === undefined ? Number.NaN : warmUpRecords / ((warm.end - warm.start) / 1000);
    const lowWater = drainLowWater(spec.batchSize, warmRate);
    lap('warm-up');

    // 2. Idle, warm: what polling alone costs each process (right after start, the tail of start-up would count too).
    phase = 'idle';
    await sleep(250);
    const idleBefore = await sample();
    await sleep(sizing.idleSeconds * 1000);
    const idleAfter = await sample();
    lap('idle');

    // 3. Drain, time-boxed: the backlog is topped up faster than it drains until it would end the drain near the target.
    const drainBefore = await sample();
    phase = 'drain';
    const drainStart = Date.now();
    const drainTimeoutMs = Math.max(PHASE_TIMEOUT.minMs, PHASE_TIMEOUT.factor * config.drainTargetSeconds * 1000);
    let produced = 0;
    let stopped = '';
    while (stopped === '') {
      if (Date.now() - drainStart > drainTimeoutMs) throw new Error(`the drain still had records to produce after ${Math.round(drainTimeoutMs / 1000)} s`);
      const { committed } = await groupProgress(stack.admin, group);
      const step = nextDrainStep({
        elapsedSeconds: (Date.now() - drainStart) / 1000,
        produced,
        committed: committed - warmUpRecords,
        lowWater,
        targetSeconds: config.drainTargetSeconds,
        rule: sizing.drain,
      });
      if (step.kind === 'stop') stopped = step.why;
      else if (step.kind === 'wait') await sleep(200);
      else {
        const from = warmUpRecords + produced;
        await produceFast(producer, encodeOrders(plan.slice(from, from + step.records), spec.partitions, stack.orderSchemaIds, from));
        produced += step.records;
      }
    }
    await waitDrained(stack.admin, group, warmUpRecords + produced, drainTimeoutMs);
    await sleep(250);
    const drainAfter = await sample();
    const drained = span(invocations.filter((i) => i.phase === 'drain'));
    if (drained === undefined) throw new Error('no invocation in the drain');
    const drainPerSec = produced / ((drained.end - drained.start) / 1000);
    const drainWhy =
      `time-boxed at ${config.drainTargetSeconds} s: ${fmt(lowWater)} to ${fmt(2 * lowWater)} records kept waiting (two batches, and ≥ 3 s of the warm-up's ${fmt(Math.round(warmRate))}/s), ` +
      `producing stopped ${stopped}; ${fmt(produced)} records`;
    notes.push(`drain: ${drainWhy}`);
    lap('drain');

    // 4. Paced, below saturation, for latency.
    const paced = pacedPhase(drainPerSec, sizing.paced);
    // No figure of the cell is printed before its check: the paced phase's sizing goes with the cell's notes.
    write(`${label}: drained ${produced} records; paced phase of ${paced.records} records`);
    notes.push(`paced phase: ${paced.why}`);
    // Live, the event time of what arrives moves with the clock: the paced orders continue the drain's event time at one second per second.
    const sent = plan.slice(0, warmUpRecords + produced);
    const lastEventTime = sent.reduce((t, o) => Math.max(t, o.order.createdAt.getTime()), 0);
    // Another seed: event ids of their own, which no dedup drops.
    const pacedOrders = planOrders(paced.records, { seed: config.seed + 1, startAt: lastEventTime + 1_000, eventsPerSecond: paced.ratePerSec / ORDER_SHARE });
    const planned = [...sent, ...pacedOrders];
    const pacedMessages = encodeOrders(pacedOrders, spec.partitions, stack.orderSchemaIds, warmUpRecords + produced);
    phase = 'paced';
    const pacedStart = Date.now();
    const achieved = await producePaced(producer, pacedMessages, paced.ratePerSec);
    const pacedEnd = Date.now();
    if (achieved < paced.ratePerSec * 0.95) notes.push(`the producer held ${Math.round(achieved)} of the ${paced.ratePerSec} records/s asked`);
    const productionSeconds = (pacedEnd - pacedStart) / 1000;
    // A paced phase that cannot drain in time leaves the cell's drain figures standing, flagged: the check cannot pass.
    let unfinished: string | undefined;
    try {
      await waitDrained(stack.admin, group, planned.length, Math.max(PACED_TIMEOUT_MS, PHASE_TIMEOUT.factor * productionSeconds * 1000));
    } catch (error) {
      unfinished = `paced phase: ${messageOf(error)}`;
    }
    await sleep(250);
    const pacedInvocations = invocations.filter((i) => i.phase === 'paced');
    // Records sent in the settling period (Kafka timestamp = at - latency) are not sampled: the drain's deferred window closing is worked off there.
    const sampledFrom = pacedStart + sizing.paced.settleSeconds * 1000;
    const pacedLatenciesMs = pacedInvocations.filter((i) => i.line.result === 'SUCCESS').flatMap((i) => i.line.latenciesMs.filter((ms) => i.at - ms >= sampledFrom));
    const pacedTail = unfinished === undefined ? Math.max(0, (span(pacedInvocations)?.end ?? pacedEnd) - pacedEnd) / 1000 : null;
    notes.push(
      unfinished === undefined
        ? `paced phase: produced for ${productionSeconds.toFixed(1)} s, drained ${pacedTail?.toFixed(1)} s after its last record${pacedKeptUp(productionSeconds, pacedTail) ? '' : ': fell behind'}`
        : unfinished,
    );
    lap('paced');

    // 5. The state against the plan, before any figure.
    const check = await stateRevenue(stack.dynamodb, spec, stateTable).then(
      (actual) => checkRevenue(expectedRevenue(planned, spec), actual),
      (error: unknown): RevenueCheck => ({ exact: false, checked: 0, differing: 0, example: messageOf(error) }),
    );
    write(`${label}: ${check.exact ? 'exact' : 'NOT EXACT'}: ${check.checked} store-minutes checked, ${check.differing} differ${check.example === undefined ? '' : `, e.g. ${check.example}`}`);
    if (!check.exact) notes.push(`not exact: ${check.differing} of ${check.checked} store-minutes differ from the plan, e.g. ${check.example ?? 'none'}`);
    lap('check');
    notes.push(`seconds by phase: ${laps.map((l) => `${l.phase} ${l.seconds}`).join(', ')}`);

    const cellStats = stats.map((s) => s.stats);
    const observation: CellObservation = {
      spec,
      drainRecords: produced,
      drainStartedAt: drained.start,
      drainEndedAt: drained.end,
      idle: { before: idleBefore, after: idleAfter },
      drain: { before: drainBefore, after: drainAfter },
      drainStats: stats.filter((s) => s.phase === 'drain').map((s) => s.stats),
      redeliveredPartitions: redeliveredPartitions(cellStats, invocations.map((i) => i.line)),
      pacedLatenciesMs,
      pacedRatePerSec: paced.ratePerSec,
      pacedProductionSeconds: productionSeconds,
      pacedTailSeconds: pacedTail,
      exact: check.exact,
      error: unfinished,
    };
    const cpu = drainCpu(observation);
    const lost = drainAfter.reduce((n, end) => n + end.dynamodb.failedRequests - (drainBefore.find((s) => s.pid === end.pid)?.dynamodb.failedRequests ?? 0), 0);
    notes.push(
      `drain CPU ${Math.round(cpu.grossMs)} ms over ${spec.processors} processes, less ${Math.round(cpu.idleMs)} ms of idle polling; ` +
        `${lost} failed DynamoDB write requests (lost conditions) in the drain; ${pacedLatenciesMs.length} latency samples`,
    );
    return { cell: summariseCell(observation, { commit: config.commit, measuredAt: new Date().toISOString() }), notes };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await Promise.all(processors.map((p) => p.stop().catch(() => undefined)));
    for (const table of tables) await stack.dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  }
}

/** From the first invocation's start to the last one's end, on this process's clock. */
function span(observed: readonly Observed[]): { start: number; end: number } | undefined {
  if (observed.length === 0) return undefined;
  return { start: Math.min(...observed.map((o) => o.at - o.line.durationMs)), end: Math.max(...observed.map((o) => o.at)) };
}

/** The plan's revenue per store-minute for the orders produced; the engine leaves out the orders the plan says are too late for the view. */
function expectedRevenue(orders: readonly OrderStep[], spec: CellSpec): Map<string, Revenue> {
  if (spec.design !== 'ours') return plannedRevenue(orders);
  const rules = latenessRulesOf(orderAnalytics({ partitions: spec.partitions }));
  const late = plannedLateness(
    orders.map((o) => ({ id: o.eventId, partition: keyPartition(o.order.orderId, spec.partitions), eventTime: o.order.createdAt.getTime() })),
    rules,
  );
  return plannedRevenue(orders.filter((o) => !(late.get(o.eventId) ?? []).includes(STORE_REVENUE_VIEW)));
}

async function stateRevenue(client: DynamoDBClient, spec: CellSpec, tableName: string): Promise<Map<string, Revenue>> {
  if (spec.design === 'ours') {
    const { windows, closedAndOpen } = storeRevenueWindows((await new DynamoDbStateStore({ client, tableName }).scanAll()).map((i) => i.body));
    if (closedAndOpen.length > 0) throw new Error(`windows both closed and still open: ${closedAndOpen.slice(0, 3).join(', ')}`);
    return windows;
  }
  return powertoolsStoreRevenue(client, tableName);
}

async function main(config: ScaleChildConfig): Promise<void> {
  write(`starting Kafka, DynamoDB Local, moto and ElasticMQ for ${config.cells.length} cells`);
  const stack = await startScaleStack(write);
  try {
    for (const [index, spec] of config.cells.entries()) {
      const started = Date.now();
      const loadBefore = load();
      try {
        const { cell, notes } = await runCell(stack, spec, index, config);
        emit({ type: 'cell', cell, notes: [...notes, `cell took ${Math.round((Date.now() - started) / 1000)} s in all; load average at its start ${loadBefore}, at its end ${load()}`] });
      } catch (error) {
        write(`cell ${index + 1}/${config.cells.length} ${cellKey(spec)} failed: ${messageOf(error)}`);
        emit({ type: 'cell', cell: failedCell(spec, messageOf(error), { commit: config.commit, measuredAt: new Date().toISOString() }), notes: [] });
      }
    }
  } finally {
    await stack.stop();
  }
}

const childConfig = process.env[SCALE_CHILD_CONFIG];
if (childConfig !== undefined && process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(JSON.parse(childConfig) as ScaleChildConfig)
    .catch((error: unknown) => emit({ type: 'error', message: messageOf(error) }))
    .finally(() => process.stdout.write('', () => process.exit(0)));
}
