/**
 * End-to-end latency and throughput of the reference pipeline
 * (ARCHITECTURE.md section 7) on the local stack, at a fixed produce rate:
 * what `rtp demo` runs (a fresh stack, Debezium streaming Postgres to Kafka,
 * both processors as local Lambdas, the retail workload, the
 * reconciliation), with the workload paced by a token bucket.
 *
 * The run happens in a node process of its own (measuring-process.ts).
 * The local stack's modules fix their state directory (RTP_STATE_DIR) when
 * they first load, and the bench orchestrator may well have loaded them
 * already for another measurement, against the developer's `.rtp`; a fresh
 * process is the only way to be sure the demo's fresh stack wipes a
 * directory of its own.
 */
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile } from '../scripts/reference/report.js';
import { removeStateDir } from '../scripts/devstack/postgres.js';
import type { InvokeLine } from '../scripts/lambda-emulator/run-processor.js';
import type { WorkloadStep } from '../scripts/reference/workload.js';
import type { StackEndpoints } from '../scripts/devstack/stack.js';
import type { EndToEndFigures, Measured, TableRow } from './figures.js';
import { startMeasuringProcess } from './measuring-process.js';

export const EndToEndErrorReason = {
  /** The reconciliation found differences: a latency figure from a run that lost data is worthless. */
  RECONCILIATION_FAILED: 'RECONCILIATION_FAILED',
  /** Nothing was produced after the warm-up, so there is nothing to report. */
  NO_SAMPLES: 'NO_SAMPLES',
  /** The measuring process failed (the stack did not start, the processors did not catch up, ...). */
  RUN_FAILED: 'RUN_FAILED',
} as const;
export type EndToEndErrorReason = (typeof EndToEndErrorReason)[keyof typeof EndToEndErrorReason];

export class EndToEndError extends Error {
  public override readonly name = 'EndToEndError';
  public constructor(
    message: string,
    public readonly reason: EndToEndErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface EndToEndOptions {
  /** Workload steps (Postgres transactions and poison records) per second. @default 100 */
  readonly ratePerSec?: number;
  /** Measured produce window, after the warm-up. @default 40 */
  readonly seconds?: number;
  /** Progress of the run: the demo's own lines. @default discarded */
  readonly write?: (line: string) => void;
}

/** Produced at the same rate before the measured window; its samples are discarded. */
export const WARM_UP_SECONDS = 15;
const SEED = 1;
const SELF = fileURLToPath(import.meta.url);
const CHILD_CONFIG = 'RTP_BENCH_END_TO_END';

/** What the measuring process prints on stdout, one JSON object a line. */
type ChildMessage =
  | { readonly type: 'line'; readonly line: string }
  | { readonly type: 'result'; readonly measured: Measured<EndToEndFigures> }
  | { readonly type: 'error'; readonly reason: EndToEndErrorReason; readonly message: string };

interface ChildConfig {
  readonly ratePerSec: number;
  readonly seconds: number;
}

export async function measureEndToEnd(options: EndToEndOptions = {}): Promise<Measured<EndToEndFigures>> {
  const config: ChildConfig = { ratePerSec: options.ratePerSec ?? 100, seconds: options.seconds ?? 40 };
  if (!(config.ratePerSec > 0) || !(config.seconds > 0)) throw new RangeError(`rate and seconds must be positive, got ${config.ratePerSec}/s for ${config.seconds} s`);
  const write = options.write ?? (() => undefined);
  const child = startMeasuringProcess({ name: 'end-to-end', script: SELF, configVariable: CHILD_CONFIG, config });
  let outcome: ChildMessage | undefined;
  for await (const text of child.lines) {
    const message = parseMessage(text);
    if (message === undefined) continue;
    if (message.type === 'line') write(message.line);
    else outcome = message;
  }
  const code = await child.exited.finally(() => removeStateDir(child.stateDir));
  if (outcome?.type === 'result') return outcome.measured;
  if (outcome?.type === 'error') throw new EndToEndError(outcome.message, outcome.reason);
  throw new EndToEndError(`The end-to-end run exited with code ${code} and no result; its stderr ends: ${child.stderrTail().trim() || '(empty)'}`, EndToEndErrorReason.RUN_FAILED);
}

function parseMessage(text: string): ChildMessage | undefined {
  if (!text.startsWith('{"type":')) return undefined;
  try {
    return JSON.parse(text) as ChildMessage;
  } catch {
    return undefined;
  }
}

/** What the run observed, with the times this process saw each thing happen. */
export interface EndToEndObservations {
  readonly ratePerSec: number;
  /** Steps produced before the measured window. */
  readonly warmUpSteps: number;
  /** Per step, in order: when its write returned (the transaction committed). */
  readonly stepDoneAt: readonly number[];
  /** Each invocation summary and when it arrived. */
  readonly invocations: ReadonlyArray<{ readonly line: InvokeLine; readonly at: number }>;
  /** Per order of the measured window: when its transaction committed and its outbox record's place and Kafka timestamp. */
  readonly orders: ReadonlyArray<{ readonly committedAt: number; readonly partition: number; readonly offset: number; readonly kafkaTimestamp: number }>;
  readonly ordersTopic: string;
  readonly wallTimeMs: number;
}

/** The figures, rows and method lines from what a run observed. */
export function summarise(observed: EndToEndObservations): Measured<EndToEndFigures> {
  const { stepDoneAt, warmUpSteps, ratePerSec } = observed;
  const windowStart = stepDoneAt[warmUpSteps - 1] ?? stepDoneAt[0];
  const produceEnd = stepDoneAt.at(-1);
  if (windowStart === undefined || produceEnd === undefined || stepDoneAt.length <= warmUpSteps) {
    throw new EndToEndError(`No step was produced after the ${warmUpSteps} warm-up steps`, EndToEndErrorReason.NO_SAMPLES);
  }
  // A record belongs to the window if its Kafka timestamp (arrival less its latency) falls in it.
  const samples: number[] = [];
  const stamped: Array<{ stamp: number; ms: number }> = [];
  let lastApplied = windowStart;
  const appliedAt = new Map<string, number>();
  let failed = 0;
  for (const { line, at } of observed.invocations) {
    if (line.result !== 'SUCCESS') failed += 1;
    if (line.result !== 'SUCCESS') continue;
    const measured = line.latenciesMs.filter((ms) => at - ms >= windowStart);
    samples.push(...measured);
    for (const ms of measured) stamped.push({ stamp: at - ms, ms });
    if (measured.length > 0) lastApplied = Math.max(lastApplied, at);
    for (const range of line.partitions) {
      const match = /^(.+)-(\d+)@(\d+)\.\.(\d+)$/.exec(range);
      if (match?.[1] !== observed.ordersTopic) continue;
      for (let offset = Number(match[3]); offset <= Number(match[4]); offset += 1) {
        const key = `${match[2]}/${offset}`;
        appliedAt.set(key, Math.min(appliedAt.get(key) ?? at, at));
      }
    }
  }
  if (samples.length === 0) throw new EndToEndError('No record produced after the warm-up was processed', EndToEndErrorReason.NO_SAMPLES);
  const sorted = [...samples].sort((a, b) => a - b);
  const e2eLatencyMs = { p50: rank(sorted, 50), p95: rank(sorted, 95), p99: rank(sorted, 99) };
  const throughputPerSec = round1(samples.length / ((lastApplied - windowStart) / 1000));
  const measuredSteps = stepDoneAt.length - warmUpSteps;
  const achievedRate = round1(measuredSteps / ((produceEnd - windowStart) / 1000));
  const commitToApplied: number[] = [];
  const commitToKafka: number[] = [];
  for (const order of observed.orders) {
    const applied = appliedAt.get(`${order.partition}/${order.offset}`);
    if (applied !== undefined) commitToApplied.push(applied - order.committedAt);
    commitToKafka.push(order.kafkaTimestamp - order.committedAt);
  }
  commitToApplied.sort((a, b) => a - b);
  commitToKafka.sort((a, b) => a - b);
  const triple = (s: readonly number[]): string => `p50 ${rank(s, 50)} ms, p95 ${rank(s, 95)} ms, p99 ${rank(s, 99)} ms`;

  const rows: TableRow[] = [
    { measure: 'end-to-end latency (Kafka timestamp → committed)', ours: triple(sorted), note: `${samples.length} records, both processors; ${failed} invocations failed and were retried over the whole run` },
    { measure: 'throughput', ours: `${throughputPerSec} records/s`, note: `produce window + drain (${round1((lastApplied - produceEnd) / 1000)} s after the last step), at ${ratePerSec} steps/s asked` },
    { measure: 'produce rate achieved', ours: `${achievedRate} steps/s`, note: `${measuredSteps} steps in ${round1((produceEnd - windowStart) / 1000)} s, ${ratePerSec}/s asked` },
    ...(commitToApplied.length === 0
      ? []
      : [
          { measure: 'orders: Postgres commit → committed', ours: triple(commitToApplied), note: `${commitToApplied.length} outbox records, CDC capture included` },
          { measure: 'orders: Postgres commit → Kafka timestamp', ours: triple(commitToKafka), note: 'the CDC capture alone (Debezium reading the WAL)' },
        ]),
  ];
  const cpu = cpus();
  const method = [
    `End to end: a fresh local stack (Kafka, Kafka Connect + Debezium, Postgres, DynamoDB Local, moto, ElasticMQ) on ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `the reference pipeline as \`rtp demo\` runs it (both processors as local Lambdas behind local MSK event source mappings: batch size 100, batching window 500 ms, Lambda's defaults), ` +
      `the retail workload (seed ${SEED}) written to Postgres by a token bucket asked for ${ratePerSec} steps/s, which held ${achievedRate} in the measured window (a step is one transaction: a stock movement, an order with its outbox row, a correction; or a poison record).`,
    `Warm-up excluded: stack start-up, provisioning and Debezium's snapshot (of empty tables) end before the first step; then ${WARM_UP_SECONDS} s of steps at the same rate warm the JITs, ` +
      `and records whose Kafka timestamp precedes the end of that warm-up are discarded. The measured window is the next ${round1((produceEnd - windowStart) / 1000)} s of steps plus the drain.`,
    'Latency: per record, from its Kafka timestamp to the return of the invocation that committed it (the DynamoDB transaction done), on one clock. ' +
      'The Kafka timestamp of a CDC record is set after Debezium has read the change from the WAL: Debezium emits its records without a timestamp, so Connect’s producer stamps stock-movements at send time, ' +
      'and the outbox EventRouter stamps orders with the envelope’s ts_ms (when Debezium processed the change). The CDC capture delay is therefore not in this figure; ' +
      'the "orders: Postgres commit" rows add it for orders (commit = the workload’s transaction returning), per outbox record located by its partition and offset.',
    'Throughput: records of the measured window processed (SUCCESS invocations, both processors, poison records included) divided by the time from the start of the window to the last of them committed. ' +
      `Records per step: ${round2(samples.length / measuredSteps)} here (${samples.length} records for ${measuredSteps} steps; a deleted movement makes a change event and a tombstone, a republished order a second outbox record).`,
    `The run ends with the demo's reconciliation of Postgres against DynamoDB (0 differences, or no figures). Wall time ${round1(observed.wallTimeMs / 1000)} s including the stack's start and stop. ` +
      'Kafka, Connect, Postgres, DynamoDB Local, moto, ElasticMQ, two processor processes and the producer share the machine, so these figures are of contention as much as of the pipeline.',
  ];
  if (achievedRate < ratePerSec * 0.95) {
    method.push(`The producer did not hold the rate asked (${achievedRate} of ${ratePerSec} steps/s): Postgres, with everything else on these cores, took longer per transaction; ask for less.`);
  }
  // A pipeline that keeps up has the same latency at the end of the window as at its start; one that fell behind, a growing backlog's.
  const quarter = (produceEnd - windowStart) / 4;
  const early = rank(stamped.filter((x) => x.stamp < windowStart + quarter).map((x) => x.ms).sort((a, b) => a - b), 50);
  const late = rank(stamped.filter((x) => x.stamp >= produceEnd - quarter).map((x) => x.ms).sort((a, b) => a - b), 50);
  if (late > 2 * early + 1_000) {
    method.push(`The processors fell behind the produce rate (median latency ${early} ms in the window's first quarter, ${late} ms in its last): the figures are of a growing backlog, not of a steady state; ask for less.`);
  }
  return { figures: { e2eLatencyMs, throughputPerSec, produceRatePerSec: achievedRate, requestedProduceRatePerSec: ratePerSec }, rows, method };
}

/** The demo report's nearest-rank percentile, in whole ms. */
function rank(samples: readonly number[], p: number): number {
  return Math.round(percentile(samples, p));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The measuring process: runs the demo paced, and prints its lines and the result as JSON lines. */
async function runMeasurement(config: ChildConfig): Promise<Measured<EndToEndFigures>> {
  const started = Date.now();
  // Loaded only now: RTP_STATE_DIR is already this run's own directory.
  const { freeStackPorts } = await import('../scripts/devstack/free-port-start.js');
  const { runDemo } = await import('../scripts/reference/demo.js');
  const { planWorkload } = await import('../scripts/reference/workload.js');
  const { ORDERS_TOPIC } = await import('../scripts/reference/connectors.js');
  const ports = await freeStackPorts();
  // The demo plans by business events; a step count near rate × time needs their ratio, which the seed fixes.
  const wantedSteps = Math.round(config.ratePerSec * (WARM_UP_SECONDS + config.seconds));
  const ratio = planWorkload({ events: 1_000, seed: SEED, startAt: 0 }).length / 1_000;
  const events = Math.max(1, Math.round(wantedSteps / ratio));
  const warmUpSteps = Math.round(config.ratePerSec * WARM_UP_SECONDS);

  const stepDoneAt: number[] = [];
  const committed = new Map<string, number>();
  const invocations: Array<{ line: InvokeLine; at: number }> = [];
  const orders: Array<EndToEndObservations['orders'][number]> = [];
  const onStep = (done: number, step: WorkloadStep): void => {
    const now = Date.now();
    stepDoneAt.push(now);
    if (step.kind === 'order' && done > warmUpSteps) committed.set(step.order.orderId, now);
  };
  const onDrained = async ({ endpoints }: { endpoints: StackEndpoints }): Promise<void> => {
    // The first outbox record of each order (a republished one comes later, with its own commit).
    for (const record of await readWithTimestamps(endpoints.kafka.bootstrapServers, ORDERS_TOPIC)) {
      const committedAt = committed.get(record.key);
      if (committedAt === undefined) continue;
      committed.delete(record.key);
      orders.push({ committedAt, partition: record.partition, offset: record.offset, kafkaTimestamp: record.timestamp });
    }
  };
  const { differences } = await runDemo({
    events,
    seed: SEED,
    ports,
    ratePerSec: config.ratePerSec,
    write: (line) => emit({ type: 'line', line }),
    onStep,
    onInvoke: (line) => invocations.push({ line, at: Date.now() }),
    onDrained,
  });
  if (differences > 0) {
    throw new EndToEndError(`The reconciliation found ${differences} differences between Postgres and DynamoDB; no latency is reported for a run that lost or doubled data`, EndToEndErrorReason.RECONCILIATION_FAILED);
  }
  return summarise({ ratePerSec: config.ratePerSec, warmUpSteps, stepDoneAt, invocations, orders, ordersTopic: ORDERS_TOPIC, wallTimeMs: Date.now() - started });
}

/** Every record of `topic` up to its end now, with its Kafka timestamp; keys as strings. */
async function readWithTimestamps(bootstrapServers: string, topic: string): Promise<Array<{ partition: number; offset: number; key: string; timestamp: number }>> {
  const { readTopic } = await import('../scripts/devstack/kafka.js');
  const records = await readTopic(bootstrapServers, topic);
  return records
    .map((r) => ({ partition: r.partition, offset: Number(r.offset), key: r.key?.toString() ?? '', timestamp: r.timestamp }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

function emit(message: ChildMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const childConfig = process.env[CHILD_CONFIG];
if (childConfig !== undefined && process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  runMeasurement(JSON.parse(childConfig) as ChildConfig)
    .then((measured) => emit({ type: 'result', measured }))
    .catch((error: unknown) => {
      const reason = error instanceof EndToEndError ? error.reason : EndToEndErrorReason.RUN_FAILED;
      emit({ type: 'error', reason, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    })
    // The stack and the processors are stopped by now; what is left open (SDK sockets) need not be waited for,
    // but what was written must reach the parent first.
    .finally(() => process.stdout.write('', () => process.exit(0)));
}
