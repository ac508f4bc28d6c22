/**
 * The local stand-in for a Lambda MSK event source mapping: a kafkajs
 * consumer that batches records (`batch-assembly.ts`), invokes a handler with
 * the exact MSK event and commits offsets only when the outcome allows
 * (`delivery-policy.ts`).
 * As the guide says of the managed one (with-kafka-configure.html), it reads
 * each partition in order, one payload may hold several partitions, and
 * offsets are committed after a batch is processed; an existing consumer
 * group's committed offsets win over the starting position
 * (kafka-consumer-group-id.html).
 *
 * Where it differs from the managed mapping:
 * - one process, one consumer: no pollers to provision or scale. Batches
 *   still mix partitions, and batches over disjoint partitions run
 *   concurrently, as Lambda's do; a partition is never in two invocations.
 * - several topics may be given; Lambda takes exactly one per mapping.
 * - the retry delay is ours (jittered, 100 ms doubling to 5 s): Lambda does
 *   not document one for Kafka.
 * - header order across different names is lost (see `toMskRecord`).
 * - no event filtering, schema-registry integration, Kafka or S3 destinations.
 * - times are in milliseconds, not whole seconds; Lambda's ranges still apply.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { backoffDelay } from '../../../functions/core/retry/backoff.js';
import type { KafkaEvent } from '../../../functions/core/msk/types.js';
import { assembleBatch, batchDueAt, MAX_PAYLOAD_BYTES, type BatchLimits, type BufferedRecord } from './batch-assembly.js';
import {
  admit, decide, effectiveRetryAttempts, payloadTooLarge,
  type Attempt, type Decision, type DeliveryPolicy, type GiveUp, type InvocationOutcome, type Step,
} from './delivery-policy.js';
import {
  lambdaContext, mskEventOf, onFailureRecord, recordPayloadBytes, toMskRecord, topicPartitionOf, type MskEventSource,
} from './msk-event.js';
import {
  LocalEventSourceMappingError,
  LocalEventSourceMappingErrorReason,
  StartingPosition,
  validate,
  type LocalEventSourceMappingProps,
  type Settings,
} from './mapping-props.js';

export * from './mapping-props.js';

const DEFAULT_EVENT_SOURCE_ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/local/00000000-0000-0000-0000-000000000000-1';
/** How long a fetch waits for data; also how long kafkajs sleeps while every partition is paused. */
const FETCH_WAIT_MS = 100;
const RETRY_BACKOFF = { baseMs: 100, capMs: 5_000 } as const;
const START_ATTEMPTS = 10;

/** One assigned partition: records fetched and waiting, and whether a delivery holds it. */
interface Lane {
  readonly topic: string;
  readonly partition: number;
  buffer: BufferedRecord[];
  /** After the last record buffered: records fetched again after a rebalance are dropped. */
  nextOffset: number | undefined;
  committed: number | undefined;
  busy: boolean;
  paused: boolean;
}

export class LocalEventSourceMapping {
  private readonly props: Settings;
  private readonly policy: DeliveryPolicy;
  private readonly limits: BatchLimits;
  private readonly source: MskEventSource;
  private readonly functionArn: string;
  private readonly lanes = new Map<string, Lane>();
  private readonly deliveries = new Set<Promise<void>>();
  private assigned = new Set<string>();
  private consumer: Consumer | undefined;
  private running = false;
  private dispatchTimer: NodeJS.Timeout | undefined;
  private stopping = new AbortController();

  public constructor(props: LocalEventSourceMappingProps) {
    const defined = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as LocalEventSourceMappingProps;
    this.props = {
      eventSourceArn: DEFAULT_EVENT_SOURCE_ARN,
      batchSize: 100,
      maximumBatchingWindowMs: 500,
      startingPosition: StartingPosition.TRIM_HORIZON,
      retryAttempts: -1,
      maximumRecordAgeMs: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: true,
      functionTimeoutMs: 60_000,
      onError: (error) => process.stderr.write(`[esm ${error.functionName}] ${error.reason}: ${error.message}\n`),
      ...defined,
    };
    validate(this.props);
    const { retryAttempts, onFailure, maximumRecordAgeMs, bisectBatchOnFunctionError, reportBatchItemFailures } = this.props;
    this.policy = { retryAttempts: effectiveRetryAttempts(retryAttempts, onFailure !== undefined), maximumRecordAgeMs, bisectBatchOnFunctionError, reportBatchItemFailures };
    this.source = { eventSourceArn: this.props.eventSourceArn, bootstrapServers: this.props.bootstrapServers };
    const envelopeBytes = Buffer.byteLength(JSON.stringify(mskEventOf([], this.source)));
    this.limits = { batchSize: this.props.batchSize, maximumBatchingWindowMs: this.props.maximumBatchingWindowMs, envelopeBytes, maxPayloadBytes: MAX_PAYLOAD_BYTES };
    const [, , , region = 'us-east-1', account = '123456789012'] = this.props.eventSourceArn.split(':');
    this.functionArn = `arn:aws:lambda:${region}:${account}:function:${this.props.functionName}`;
  }

  /** Joins the consumer group and starts polling; resolves once partitions are assigned. */
  public async start(): Promise<void> {
    if (this.consumer !== undefined) throw this.error('already started', LocalEventSourceMappingErrorReason.ALREADY_STARTED);
    this.stopping = new AbortController();
    const starts = this.props.startingPosition === StartingPosition.TRIM_HORIZON ? [] : await retried(() => this.startingOffsets());
    const consumer = this.props.kafka.consumer({ groupId: this.props.consumerGroupId, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.report(`consumer crashed (restart: ${payload.restart})`, LocalEventSourceMappingErrorReason.CONSUMER_CRASHED, payload.error),
    );
    this.running = true;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.props.topics], fromBeginning: this.props.startingPosition !== StartingPosition.LATEST });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.feed(payload) });
      // A fetch already under way for these partitions is dropped by kafkajs once a seek is pending.
      for (const start of starts) if (this.assigned.has(`${start.topic}-${start.partition}`)) consumer.seek(start);
    } catch (error) {
      this.running = false;
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops polling, lets in-flight invocations finish and commit, then leaves
   * the group. Retries not yet started are dropped uncommitted, so the next
   * start delivers them again. Timed-out invocations are not waited for.
   */
  public async stop(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    this.running = false;
    clearTimeout(this.dispatchTimer);
    this.stopping.abort();
    await Promise.allSettled([...this.deliveries]);
    this.lanes.clear();
    this.consumer = undefined;
    await consumer.disconnect();
  }

  private feed(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!this.running || payload.isStale()) return Promise.resolve();
    const lane = this.laneFor(batch.topic, batch.partition);
    const now = Date.now();
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (lane.nextOffset !== undefined && offset < lane.nextOffset) continue;
      const record = toMskRecord(batch.topic, batch.partition, message);
      lane.buffer.push({ record, bytes: recordPayloadBytes(record), arrivedAt: now });
      lane.nextOffset = offset + 1;
    }
    // Resolving moves kafkajs's fetch position only; nothing is committed until an outcome allows it.
    if (lane.nextOffset !== undefined) payload.resolveOffset(String(lane.nextOffset - 1));
    if (lane.buffer.length >= this.props.batchSize && !lane.paused) {
      lane.paused = true;
      this.consumer?.pause([{ topic: lane.topic, partitions: [lane.partition] }]);
    }
    this.dispatch();
    return Promise.resolve();
  }

  /** Starts every batch that is due, and a timer for the next one. */
  private dispatch(): void {
    clearTimeout(this.dispatchTimer);
    while (this.running) {
      const waiting = [...this.lanes].filter(([, l]) => !l.busy && l.buffer.length > 0).map(([topicPartition, l]) => ({ topicPartition, records: l.buffer }));
      const wait = (batchDueAt(waiting, this.limits) ?? Number.POSITIVE_INFINITY) - Date.now();
      if (wait === Number.POSITIVE_INFINITY) return;
      if (wait > 0) {
        this.dispatchTimer = setTimeout(() => this.dispatch(), wait);
        return;
      }
      const batch = assembleBatch(waiting, this.limits);
      for (const [key, count] of batch.taken) {
        const lane = this.lanes.get(key)!;
        lane.buffer = lane.buffer.slice(count);
        lane.busy = true;
        if (lane.paused && lane.buffer.length < this.props.batchSize) {
          lane.paused = false;
          this.consumer?.resume([{ topic: lane.topic, partitions: [lane.partition] }]);
        }
      }
      const delivery: Promise<void> = this.deliver({ records: batch.records, invokeCount: 0 }, batch.oversized).finally(() => this.deliveries.delete(delivery));
      this.deliveries.add(delivery);
    }
  }

  /** Runs one batch to the end: its retries and halves, in order, before its partitions take new records. */
  private async deliver(first: Attempt, oversized: boolean): Promise<void> {
    const held = new Set(first.records.map(topicPartitionOf));
    const queue: Attempt[] = oversized ? [] : [first];
    try {
      if (oversized) await this.apply(payloadTooLarge(first));
      while (queue.length > 0 && this.running) {
        const admitted = admit(queue.shift()!, Date.now(), this.policy);
        if (!(await this.apply(admitted))) return;
        const attempt = admitted.next[0];
        if (attempt !== undefined) {
          if (attempt.invokeCount > 0 && !(await this.pause(backoffDelay(attempt.invokeCount, RETRY_BACKOFF)))) return;
          const decision = await this.invoke(attempt);
          if (!(await this.apply(decision))) return;
          queue.unshift(...decision.next);
        }
        this.release(held, queue);
      }
    } finally {
      this.release(held, []);
    }
  }

  private async invoke(attempt: Attempt): Promise<Decision> {
    const requestId = randomUUID();
    const event = JSON.parse(JSON.stringify(mskEventOf(attempt.records, this.source))) as KafkaEvent;
    const started = Date.now();
    const timeoutMs = this.props.functionTimeoutMs;
    const context = lambdaContext({ functionName: this.props.functionName, functionArn: this.functionArn, requestId, deadline: started + timeoutMs, now: new Date(started) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationOutcome>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timedOut', timeoutMs }), timeoutMs)));
    // Caught here, so a zombie failing after its timeout rejects nothing.
    const handled = (async (): Promise<InvocationOutcome> => {
      const json = JSON.stringify(await this.props.handler(event, context));
      return { kind: 'returned', response: json === undefined ? null : (JSON.parse(json) as unknown) };
    })().catch((error: unknown): InvocationOutcome => ({ kind: 'threw', error }));
    const outcome = await Promise.race([handled, timedOut]).finally(() => clearTimeout(timer));
    const decision = decide(attempt, outcome, requestId, Date.now(), this.policy);
    const partitions = Object.entries(event.records).map(([key, records]) => `${key}@${records[0]?.offset}..${records[records.length - 1]?.offset}`);
    const { functionName, onInvoke } = this.props;
    const summary = { functionName, requestId, invokeCount: attempt.invokeCount + 1, records: attempt.records.length, partitions, durationMs: Date.now() - started };
    try {
      onInvoke?.({ ...summary, result: decision.result, detail: decision.detail });
    } catch (error) {
      this.report('onInvoke threw', LocalEventSourceMappingErrorReason.REPORTER_FAILED, error);
    }
    return decision;
  }

  /** Sends give-ups to the destination, then commits. False when the mapping stopped first. */
  private async apply(step: Step): Promise<boolean> {
    for (const giveUp of step.giveUps) if (!(await this.sendToDestination(giveUp))) return false;
    const commits = step.commits.filter((c) => c.offset > (this.lanes.get(topicPartitionOf(c))?.committed ?? Number.NEGATIVE_INFINITY));
    if (commits.length === 0 || this.consumer === undefined) return true;
    try {
      await this.consumer.commitOffsets(commits.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset) })));
      for (const c of commits) {
        const lane = this.lanes.get(topicPartitionOf(c));
        if (lane !== undefined) lane.committed = c.offset;
      }
    } catch (error) {
      // A later commit of the partition supersedes this one; if none comes, the records are delivered again.
      const what = commits.map((c) => `${topicPartitionOf(c)}@${c.offset}`).join(', ');
      this.report(`commit of ${what} failed`, LocalEventSourceMappingErrorReason.COMMIT_FAILED, error);
    }
    return true;
  }

  /** Retries the destination until it accepts: records are committed past only once it has them. */
  private async sendToDestination({ attempt, condition }: GiveUp): Promise<boolean> {
    const onFailure = this.props.onFailure;
    if (onFailure === undefined) return true;
    const record = onFailureRecord({
      records: attempt.records,
      condition,
      approximateInvokeCount: attempt.invokeCount,
      lastInvocation: attempt.lastInvocation,
      newRequestId: randomUUID(),
      functionArn: this.functionArn,
      source: this.source,
      now: new Date(),
    });
    for (let tries = 1; ; tries += 1) {
      try {
        await onFailure(record);
        return true;
      } catch (error) {
        this.report(`on-failure destination refused ${condition}`, LocalEventSourceMappingErrorReason.ON_FAILURE_FAILED, error);
        if (!(await this.pause(backoffDelay(tries, RETRY_BACKOFF)))) return false;
      }
    }
  }

  /**
   * Where LATEST and AT_TIMESTAMP start for partitions the group has no
   * offset for, fixed before joining so that records produced once `start()`
   * resolves are never skipped. (kafkajs's `admin.setOffsets` would join the
   * group to commit them, which costs seconds.)
   */
  private async startingOffsets(): Promise<{ topic: string; partition: number; offset: string }[]> {
    const { kafka, consumerGroupId: groupId, topics, startingPositionTimestamp: at } = this.props;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const starts: { topic: string; partition: number; offset: string }[] = [];
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
        const missing = new Set(partitions.filter((p) => Number(p.offset) < 0).map((p) => p.partition));
        if (missing.size === 0) continue;
        const positions =
          at === undefined
            ? (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }))
            : await admin.fetchTopicOffsetsByTimestamp(topic, at.getTime());
        starts.push(...positions.filter((p) => missing.has(p.partition)).map((p) => ({ topic, ...p })));
      }
      return starts;
    } finally {
      await admin.disconnect();
    }
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    this.assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}-${p}`)));
    for (const [key, lane] of this.lanes) {
      if (this.assigned.has(key)) continue;
      // Its new owner starts from the committed offset: what we hold is no longer ours to deliver.
      Object.assign(lane, { buffer: [], nextOffset: undefined, committed: undefined });
      if (!lane.busy) this.lanes.delete(key);
    }
  }

  private laneFor(topic: string, partition: number): Lane {
    const key = `${topic}-${partition}`;
    const lane = this.lanes.get(key) ?? { topic, partition, buffer: [], nextOffset: undefined, committed: undefined, busy: false, paused: false };
    this.lanes.set(key, lane);
    return lane;
  }

  /** Frees the partitions no queued attempt still needs, so they can take new records. */
  private release(held: Set<string>, queue: readonly Attempt[]): void {
    const needed = new Set(queue.flatMap((a) => a.records.map(topicPartitionOf)));
    const freed = [...held].filter((key) => !needed.has(key));
    for (const key of freed) {
      held.delete(key);
      const lane = this.lanes.get(key);
      if (lane !== undefined) lane.busy = false;
      if (lane !== undefined && this.assigned.size > 0 && !this.assigned.has(key)) this.lanes.delete(key);
    }
    if (freed.length > 0) this.dispatch();
  }

  /** Sleeps unless the mapping stops first; false when it stopped. */
  private async pause(ms: number): Promise<boolean> {
    return sleep(ms, true, { signal: this.stopping.signal }).catch(() => false);
  }

  private report(message: string, reason: LocalEventSourceMappingErrorReason, cause: unknown): void {
    try {
      this.props.onError(this.error(message, reason, cause));
    } catch {
      // A failing error reporter must not stop deliveries.
    }
  }

  private error(message: string, reason: LocalEventSourceMappingErrorReason, cause?: unknown): LocalEventSourceMappingError {
    return new LocalEventSourceMappingError(`${this.props.functionName}: ${message}`, reason, this.props.functionName, { cause });
  }
}

/** Retries what a broker that has just started refuses (NOT_COORDINATOR while it loads its offsets topic). */
async function retried<T>(action: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await action();
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || tries >= START_ATTEMPTS) throw error;
      await sleep(backoffDelay(tries, RETRY_BACKOFF));
    }
  }
}
