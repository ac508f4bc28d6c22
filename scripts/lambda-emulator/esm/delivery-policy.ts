/**
 * What a Lambda Kafka event source mapping does after an invocation: which
 * offsets to commit, what to redeliver (retried, bisected) and what to give up
 * to the on-failure destination. Pure: the clock comes in as `now`, the poller
 * does the I/O. Gathering records into a batch is `batch-assembly.ts`.
 *
 * Facts this follows (AWS Lambda Developer Guide):
 * - kafka-retry-configurations.html: retries do not count the first
 *   invocation, -1 (the default) means infinite, and with an on-failure
 *   destination "infinite" becomes 10; maximum record age defaults to -1;
 *   split batch on error; for partial batch responses "an empty valid JSON or
 *   null" is success, and an item identifier whose topic-partition or offset
 *   "was not present in the invoked event" fails the entire batch.
 * - services-kinesis-batchfailurereporting.html (the same controls for
 *   streams, which the Kafka page leaves implicit): several failures in one
 *   partition resume from the lowest; a failed invocation is bisected
 *   whatever ReportBatchItemFailures says; a partial response with both on
 *   "is bisected at the returned sequence number", i.e. only the rest retries.
 * - API_EventSourceMappingConfiguration.html: MaximumRetryAttempts discards
 *   records "after the specified number of retries", so retries are counted
 *   per record, which is how bisected halves inherit their count.
 * - msk-esm-parameters.html: BisectBatchOnFunctionError false,
 *   MaximumRetryAttempts and MaximumRecordAgeInSeconds -1.
 */
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';
import { OnFailureCondition, topicPartitionOf } from './msk-event.js';

/** What Lambda applies instead of infinite retries once an on-failure destination is set. */
export const RETRIES_WITH_DESTINATION = 10;

export interface DeliveryPolicy {
  /** Retries after the first invocation; -1 retries until the records expire. */
  readonly retryAttempts: number;
  /** -1 never expires records. */
  readonly maximumRecordAgeMs: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
}

/** Records sent (or to be sent) in one invocation, partition by partition, offsets ascending. */
export interface Attempt {
  readonly records: readonly KafkaEventRecord[];
  /** How many times these records were already invoked: 0 for a fresh batch. */
  readonly invokeCount: number;
  /** The last invocation that carried them; none if they were never sent. */
  readonly lastInvocation?: InvocationRef;
}

export interface InvocationRef {
  readonly requestId: string;
  /** The function threw or timed out, rather than returning failures. */
  readonly functionError: boolean;
}

export type InvocationOutcome =
  | { readonly kind: 'returned'; readonly response: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timedOut'; readonly timeoutMs: number };

export const InvocationResult = {
  SUCCESS: 'SUCCESS',
  PARTIAL_FAILURE: 'PARTIAL_FAILURE',
  FUNCTION_ERROR: 'FUNCTION_ERROR',
  TIMEOUT: 'TIMEOUT',
  INVALID_RESPONSE: 'INVALID_RESPONSE',
} as const;
export type InvocationResult = (typeof InvocationResult)[keyof typeof InvocationResult];

/** `offset` is the next offset to read, which is what Kafka stores as committed. */
export interface CommitOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface GiveUp {
  readonly attempt: Attempt;
  readonly condition: OnFailureCondition;
}

/**
 * What to do next. Order matters to the poller: deliver `giveUps` to the
 * on-failure destination, then commit, then run `next` (in order) before
 * anything else of these partitions.
 */
export interface Step {
  readonly commits: readonly CommitOffset[];
  readonly giveUps: readonly GiveUp[];
  readonly next: readonly Attempt[];
}

export interface Decision extends Step {
  readonly result: InvocationResult;
  /** The error message, or why the response failed the batch. */
  readonly detail?: string;
}

export type BatchResponseReading =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly resumeAt: ReadonlyMap<string, number> }
  | { readonly kind: 'invalid'; readonly detail: string };

/**
 * Reads a returned response (already through JSON, as Lambda sees it).
 * Without ReportBatchItemFailures the mapping ignores the response. A
 * partition named more than once resumes from its lowest offset. An offset
 * sent as a string is refused: the guide's examples send numbers and do not
 * say whether Lambda would coerce one, so locally it fails loudly.
 */
export function readBatchResponse(
  response: unknown,
  records: readonly KafkaEventRecord[],
  reportBatchItemFailures: boolean,
): BatchResponseReading {
  if (!reportBatchItemFailures || response === null || typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'success' };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', detail: 'batchItemFailures is not a list' };

  const present = new Map<string, Set<number>>();
  for (const record of records) {
    const key = topicPartitionOf(record);
    const offsets = present.get(key) ?? new Set<number>();
    offsets.add(record.offset);
    present.set(key, offsets);
  }
  const resumeAt = new Map<string, number>();
  for (const [index, failure] of failures.entries()) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier as
      | { partition?: unknown; offset?: unknown }
      | null
      | undefined;
    const where = `batchItemFailures[${index}]`;
    if (identifier === null || typeof identifier !== 'object') {
      return { kind: 'invalid', detail: `${where}.itemIdentifier is not a { partition, offset } object` };
    }
    const { partition, offset } = identifier;
    if (typeof partition !== 'string' || typeof offset !== 'number' || !Number.isInteger(offset)) {
      return { kind: 'invalid', detail: `${where}.itemIdentifier needs a string partition and an integer offset` };
    }
    if (present.get(partition)?.has(offset) !== true) {
      return { kind: 'invalid', detail: `${where} names ${partition} offset ${offset}, which was not in the event` };
    }
    const lowest = resumeAt.get(partition);
    if (lowest === undefined || offset < lowest) resumeAt.set(partition, offset);
  }
  return resumeAt.size === 0 ? { kind: 'success' } : { kind: 'partial', resumeAt };
}

/** Retries allowed: Lambda caps "infinite" at 10 once an on-failure destination is configured. */
export function effectiveRetryAttempts(retryAttempts: number, hasOnFailureDestination: boolean): number {
  return retryAttempts === -1 && hasOnFailureDestination ? RETRIES_WITH_DESTINATION : retryAttempts;
}

/**
 * The outcome of invoking `attempt` turned into a step. A partial response
 * retries only the reported partitions from the reported offsets; a thrown
 * error, a timeout or an invalid response retries everything (bisected when
 * configured). Retries left or not is decided before splitting, so a record
 * is never retried more often than allowed.
 */
export function decide(
  attempt: Attempt,
  outcome: InvocationOutcome,
  requestId: string,
  now: number,
  policy: DeliveryPolicy,
): Decision {
  const invocation: InvocationRef = { requestId, functionError: outcome.kind !== 'returned' };
  let failed: readonly KafkaEventRecord[] = attempt.records;
  let result: InvocationResult;
  let detail: string | undefined;
  if (outcome.kind === 'returned') {
    const reading = readBatchResponse(outcome.response, attempt.records, policy.reportBatchItemFailures);
    if (reading.kind === 'success') {
      return { result: InvocationResult.SUCCESS, commits: commitsPast(attempt.records), giveUps: [], next: [] };
    }
    if (reading.kind === 'partial') {
      const { resumeAt } = reading;
      failed = attempt.records.filter((r) => r.offset >= (resumeAt.get(topicPartitionOf(r)) ?? Number.POSITIVE_INFINITY));
      result = InvocationResult.PARTIAL_FAILURE;
      detail = [...resumeAt].map(([partition, offset]) => `${partition}@${offset}`).join(', ');
    } else {
      result = InvocationResult.INVALID_RESPONSE;
      detail = reading.detail;
    }
  } else if (outcome.kind === 'threw') {
    result = InvocationResult.FUNCTION_ERROR;
    detail = outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : String(outcome.error);
  } else {
    result = InvocationResult.TIMEOUT;
    detail = `Task timed out after ${(outcome.timeoutMs / 1000).toFixed(2)} seconds`;
  }

  const failedAttempt: Attempt = { records: failed, invokeCount: attempt.invokeCount + 1, lastInvocation: invocation };
  if (policy.retryAttempts !== -1 && failedAttempt.invokeCount > policy.retryAttempts) {
    return {
      result,
      detail,
      commits: commitsPast(attempt.records),
      giveUps: [{ attempt: failedAttempt, condition: OnFailureCondition.RETRY_ATTEMPTS_EXHAUSTED }],
      next: [],
    };
  }
  // Records of partitions that did not fail are done; a failed partition is
  // done up to its first failed record.
  const failedKeys = new Set(failed.map(topicPartitionOf));
  const commits = [
    ...commitsPast(attempt.records.filter((r) => !failedKeys.has(topicPartitionOf(r)))),
    ...advancing(firstOffsets(failed), attempt.records),
  ];
  // Age is checked before splitting: halves of one partition must not commit past each other.
  const admitted = admit(failedAttempt, now, policy);
  const completeFailure = result !== InvocationResult.PARTIAL_FAILURE;
  const next = admitted.next.flatMap((a) => (completeFailure && policy.bisectBatchOnFunctionError ? bisect(a) : [a]));
  return { result, detail, commits: mergeCommits([...commits, ...admitted.commits]), giveUps: admitted.giveUps, next };
}

/**
 * Records older than the maximum age are not sent to the function: they are
 * given up, and their partition is committed up to its first live record.
 */
export function admit(attempt: Attempt, now: number, policy: Pick<DeliveryPolicy, 'maximumRecordAgeMs'>): Step {
  const maxAge = policy.maximumRecordAgeMs;
  const expired = maxAge === -1 ? [] : attempt.records.filter((r) => now - r.timestamp > maxAge);
  if (expired.length === 0) return { commits: [], giveUps: [], next: [attempt] };
  const expiredSet = new Set(expired);
  const live = attempt.records.filter((r) => !expiredSet.has(r));
  const expiredKeys = new Set(expired.map(topicPartitionOf));
  const commits = [...groupByPartition(attempt.records)]
    .filter(([key]) => expiredKeys.has(key))
    .map(([, records]) => {
      const firstLive = live.find((r) => topicPartitionOf(r) === topicPartitionOf(records[0]!));
      const last = records[records.length - 1]!;
      return { topic: last.topic, partition: last.partition, offset: firstLive?.offset ?? last.offset + 1 };
    });
  return {
    commits: advancing(commits, attempt.records),
    giveUps: [{ attempt: { ...attempt, records: expired }, condition: OnFailureCondition.MAXIMUM_RECORD_AGE_EXCEEDED }],
    next: live.length === 0 ? [] : [{ ...attempt, records: live }],
  };
}

/** A single record too big for the payload limit is never invoked: it is given up and passed. */
export function payloadTooLarge(attempt: Attempt): Step {
  return {
    commits: commitsPast(attempt.records),
    giveUps: [{ attempt, condition: OnFailureCondition.MAXIMUM_PAYLOAD_SIZE_EXCEEDED }],
    next: [],
  };
}

/** Two halves by record count, first half first; a single record cannot be split. */
export function bisect(attempt: Attempt): Attempt[] {
  if (attempt.records.length < 2) return [attempt];
  const middle = Math.ceil(attempt.records.length / 2);
  return [
    { ...attempt, records: attempt.records.slice(0, middle) },
    { ...attempt, records: attempt.records.slice(middle) },
  ];
}

/** Per partition, the offset after the last of `records`. */
export function commitsPast(records: readonly KafkaEventRecord[]): CommitOffset[] {
  return [...groupByPartition(records).values()].map((group) => {
    const last = group[group.length - 1]!;
    return { topic: last.topic, partition: last.partition, offset: last.offset + 1 };
  });
}

function firstOffsets(records: readonly KafkaEventRecord[]): CommitOffset[] {
  return [...groupByPartition(records).values()].map(([first]) => ({ topic: first!.topic, partition: first!.partition, offset: first!.offset }));
}

/** Only commits past the attempt's first record of a partition say anything new. */
function advancing(commits: readonly CommitOffset[], records: readonly KafkaEventRecord[]): CommitOffset[] {
  const firsts = new Map(firstOffsets(records).map((c) => [topicPartitionOf(c), c.offset]));
  return commits.filter((c) => c.offset > (firsts.get(topicPartitionOf(c)) ?? Number.NEGATIVE_INFINITY));
}

/** The highest commit per partition wins: everything below it is done or given up. */
function mergeCommits(commits: readonly CommitOffset[]): CommitOffset[] {
  const merged = new Map<string, CommitOffset>();
  for (const commit of commits) {
    const key = topicPartitionOf(commit);
    const current = merged.get(key);
    if (current === undefined || commit.offset > current.offset) merged.set(key, commit);
  }
  return [...merged.values()];
}

function groupByPartition(records: readonly KafkaEventRecord[]): Map<string, KafkaEventRecord[]> {
  const groups = new Map<string, KafkaEventRecord[]>();
  for (const record of records) {
    const key = topicPartitionOf(record);
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  for (const group of groups.values()) group.sort((a, b) => a.offset - b.offset);
  return groups;
}
