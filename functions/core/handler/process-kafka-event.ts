import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DeadLetterWriter } from '../dlq/dead-letter-writer.js';
import { createDeadLetter, type DeadLetter } from '../dlq/envelope.js';
import type { DeadLetterReason } from '../dlq/reasons.js';
import { kafkaBatchResponse, type KafkaBatchResponse, type PartitionRetry } from '../msk/batch-response.js';
import { parseKafkaEvent, partitionsOf, type KafkaPartitionBatch } from '../msk/partitions.js';
import type { KafkaEventRecord } from '../msk/types.js';
import type { RecordDecoder } from '../serde/record-decoder.js';
import type { PartitionInput, PartitionProcessor, RejectedRecord } from '../processing/partition-contract.js';
import { decodePartition, type DecodedPartition } from './decode-partition.js';

/** What the record path needs: the processor's name, its decoder and dead-letter writer, what it does with each partition, and its observability. */
export interface KafkaEventProcessingDeps {
  readonly processorName: string;
  readonly decoder: RecordDecoder;
  readonly deadLetters: DeadLetterWriter;
  /** @default none: records are decoded and poison records dead-lettered, nothing else */
  readonly processPartition?: PartitionProcessor;
  /**
   * Runs once after every partition was processed, e.g. to close windows.
   * A failure is logged, not thrown: the records are already committed,
   * and the next invocation does the work again.
   */
  readonly afterBatch?: () => Promise<void>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

interface PartitionResult {
  /** Still to write. */
  readonly deadLetters: DeadLetter[];
  /** Written by the processor during processing. */
  readonly alreadyWritten: DeadLetter[];
  readonly retry?: PartitionRetry;
  readonly decoded: number;
  /** Kafka timestamps (epoch ms) of the records this invocation is done with, for the latency metric. */
  readonly doneTimestamps: readonly number[];
}

/**
 * The record path of every processor: decode each partition in offset
 * order, hand the decoded records to the processor, dead-letter what could
 * not be decoded or was rejected, and answer with the partitions to retry.
 *
 * Partitions are independent: one that fails is retried alone while the
 * others move on. Dead letters are written before the invocation returns;
 * if they cannot be, it fails and the whole batch comes back, which is safe
 * because processors fence on offsets. Dead letters at or after a
 * partition's retry point are left for the retry to write.
 */
export async function processKafkaEvent(payload: unknown, deps: KafkaEventProcessingDeps): Promise<KafkaBatchResponse> {
  const startedAt = performance.now();
  const event = parseKafkaEvent(payload);
  const eventSourceArn = event.eventSourceArn;
  const partitions = partitionsOf(event);
  const received = partitions.reduce((sum, p) => sum + p.records.length, 0);

  const results = await Promise.all(partitions.map((batch) => processPartition(batch, eventSourceArn, deps)));
  const deadLetters = results.flatMap((r) => r.deadLetters);
  await deps.deadLetters.write(deadLetters);

  const allDeadLetters = [...results.flatMap((r) => r.alreadyWritten), ...deadLetters];
  for (const letter of allDeadLetters) {
    deps.logger.warn('Record dead-lettered', {
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.offset,
      reason: letter.reason,
      error: letter.error,
      schemaVersionId: letter.schemaVersionId,
    });
  }
  if (deps.afterBatch !== undefined) {
    try {
      await deps.afterBatch();
    } catch (error) {
      deps.logger.error('After-batch work failed; the next invocation retries it', { error: error as Error });
      deps.metrics.addMetric('AfterBatchFailures', MetricUnit.Count, 1);
    }
  }
  const retries = results.flatMap((r) => (r.retry === undefined ? [] : [r.retry]));
  const finishedAt = (deps.now?.() ?? new Date()).getTime();
  recordMetrics(deps.metrics, {
    latenciesMs: results.flatMap((r) => r.doneTimestamps.map((t) => Math.max(0, finishedAt - t))),
    received,
    decoded: results.reduce((sum, r) => sum + r.decoded, 0),
    deadLetters: allDeadLetters,
    partitionsRetried: retries.length,
    durationMs: performance.now() - startedAt,
  });
  return kafkaBatchResponse(retries);
}

async function processPartition(
  batch: KafkaPartitionBatch,
  eventSourceArn: string | undefined,
  deps: KafkaEventProcessingDeps,
): Promise<PartitionResult> {
  const decoded = await decodePartition(batch, deps.decoder);
  if (decoded.stoppedAtOffset !== undefined) {
    deps.logger.warn('Schema registry unavailable; partition will be retried', {
      topic: batch.topic,
      partition: batch.partition,
      offset: decoded.stoppedAtOffset,
    });
  }
  const letterOf = deadLetterOf(deps, eventSourceArn);
  const letters = decoded.poisonRecords.map((p) => letterOf(p.source, p.reason, p.error, p.schemaVersionId));
  const processed = await runProcessor(batch, decoded, deps, letterOf);
  letters.push(...processed.rejected);
  // The earlier of where decoding stopped and where the processor handed back.
  const retryFrom = processed.retryFrom === undefined ? decoded.stoppedAtOffset : Math.min(decoded.stoppedAtOffset ?? Infinity, processed.retryFrom);
  const kept = retryFrom === undefined ? letters : letters.filter((l) => l.offset < retryFrom);
  const done = retryFrom === undefined ? batch.records : batch.records.filter((r) => r.offset < retryFrom);
  return {
    deadLetters: kept,
    alreadyWritten: processed.written,
    decoded: decoded.records.length,
    doneTimestamps: done.map((r) => r.timestamp),
    ...(retryFrom === undefined ? {} : { retry: { topic: batch.topic, partition: batch.partition, offset: retryFrom } }),
  };
}

type LetterOf = (source: KafkaEventRecord, reason: DeadLetterReason, error: unknown, schemaVersionId?: string) => DeadLetter;

function deadLetterOf(deps: KafkaEventProcessingDeps, eventSourceArn: string | undefined): LetterOf {
  return (source, reason, error, schemaVersionId) =>
    createDeadLetter({
      processor: deps.processorName,
      reason,
      error,
      record: source,
      schemaVersionId,
      eventSourceArn,
      ...(deps.now === undefined ? {} : { now: deps.now() }),
    });
}

/** What the processor made of a partition: letters still to write, letters it wrote, and where to retry from. */
interface Processed {
  readonly rejected: DeadLetter[];
  readonly written: DeadLetter[];
  readonly retryFrom?: number;
}

/** Hands the decoded records to the processor, which may dead-letter as it goes. */
async function runProcessor(batch: KafkaPartitionBatch, decoded: DecodedPartition, deps: KafkaEventProcessingDeps, letterOf: LetterOf): Promise<Processed> {
  const lastRecord = batch.records.at(-1);
  if (deps.processPartition === undefined || lastRecord === undefined) return { rejected: [], written: [] };
  const rejectedLetter = (r: RejectedRecord): DeadLetter => letterOf(r.record.source, r.reason, r.error, r.record.schemaVersionId);
  const written: DeadLetter[] = [];
  const input: PartitionInput = {
    topic: batch.topic,
    partition: batch.partition,
    topicPartition: batch.topicPartition,
    records: decoded.records,
    poisonRecords: decoded.poisonRecords,
    lastOffset: decoded.stoppedAtOffset === undefined ? lastRecord.offset : decoded.stoppedAtOffset - 1,
    deadLetter: async (rejected) => {
      const now = rejected.map(rejectedLetter);
      await deps.deadLetters.write(now);
      written.push(...now);
    },
  };
  try {
    const outcome = await deps.processPartition(input);
    const rejected = (outcome?.rejected ?? []).map(rejectedLetter);
    return { rejected, written, retryFrom: outcome?.retryFromOffset };
  } catch (error) {
    // The processor could not finish: nothing of this partition is known
    // to be done, so all of it is redelivered (its offset fence skips
    // whatever did commit).
    const retryFrom = (batch.records[0] as KafkaEventRecord).offset;
    deps.logger.error('Partition processing failed; partition will be retried', { topic: batch.topic, partition: batch.partition, offset: retryFrom, error: error as Error });
    return { rejected: [], written, retryFrom };
  }
}

interface BatchFigures {
  readonly latenciesMs: readonly number[];
  readonly received: number;
  readonly decoded: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly partitionsRetried: number;
  readonly durationMs: number;
}

function recordMetrics(metrics: Metrics, figures: BatchFigures): void {
  metrics.addMetric('RecordsReceived', MetricUnit.Count, figures.received);
  metrics.addMetric('RecordsDecoded', MetricUnit.Count, figures.decoded);
  metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, figures.deadLetters.length);
  metrics.addMetric('PartitionsRetried', MetricUnit.Count, figures.partitionsRetried);
  metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, figures.durationMs);
  // One value per record, from its Kafka timestamp (producer or log-append
  // time) to the end of the invocation that finished it, so the p50/p99 the
  // alarms read weigh every record alike. Powertools publishes a document
  // every 100 values, keeping each within EMF's limit.
  for (const latency of figures.latenciesMs) metrics.addMetric('EndToEndLatency', MetricUnit.Milliseconds, latency);
  const byReason = new Map<DeadLetterReason, number>();
  for (const letter of figures.deadLetters) byReason.set(letter.reason, (byReason.get(letter.reason) ?? 0) + 1);
  for (const [reason, count] of byReason) {
    const single = metrics.singleMetric();
    single.addDimension('reason', reason);
    single.addMetric('RecordsDeadLettered', MetricUnit.Count, count);
  }
}
