import type { Context } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import type { KafkaEvent } from '../../../functions/core/msk/types.js';
import type { InvocationResult } from './delivery-policy.js';
import type { OnFailureRecord } from './msk-event.js';
import { LambdaEmulatorError } from '../errors.js';

/** The props of a local event source mapping, their ranges and the errors it reports. */

export const StartingPosition = { TRIM_HORIZON: 'TRIM_HORIZON', LATEST: 'LATEST', AT_TIMESTAMP: 'AT_TIMESTAMP' } as const;
export type StartingPosition = (typeof StartingPosition)[keyof typeof StartingPosition];

export const LocalEventSourceMappingErrorReason = {
  INVALID_PROPS: 'INVALID_PROPS',
  ALREADY_STARTED: 'ALREADY_STARTED',
  COMMIT_FAILED: 'COMMIT_FAILED',
  ON_FAILURE_FAILED: 'ON_FAILURE_FAILED',
  CONSUMER_CRASHED: 'CONSUMER_CRASHED',
  REPORTER_FAILED: 'REPORTER_FAILED',
} as const;
export type LocalEventSourceMappingErrorReason = (typeof LocalEventSourceMappingErrorReason)[keyof typeof LocalEventSourceMappingErrorReason];

export class LocalEventSourceMappingError extends LambdaEmulatorError {
  public override readonly name = 'LocalEventSourceMappingError';
  public constructor(
    message: string,
    public readonly reason: LocalEventSourceMappingErrorReason,
    public readonly functionName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A Lambda handler as the mapping calls it; what it returns is read through JSON, as Lambda reads it. */
export type KafkaLambdaHandler = (event: KafkaEvent, context: Context) => Promise<unknown>;

export interface InvocationSummary {
  readonly functionName: string;
  readonly requestId: string;
  /** 1 for the first invocation of these records. */
  readonly invokeCount: number;
  readonly records: number;
  /** `<topic>-<partition>@<first>..<last>` */
  readonly partitions: readonly string[];
  readonly durationMs: number;
  readonly result: InvocationResult;
  readonly detail?: string;
}

/** CreateEventSourceMapping for MSK, locally: https://docs.aws.amazon.com/lambda/latest/dg/msk-esm-parameters.html */
export interface LocalEventSourceMappingProps {
  readonly kafka: Kafka;
  /** Comma-separated brokers, reported in the event: kafkajs does not expose its own. */
  readonly bootstrapServers: string;
  readonly topics: readonly string[];
  /** A group with committed offsets resumes from them, whatever the starting position. */
  readonly consumerGroupId: string;
  readonly functionName: string;
  readonly handler: KafkaLambdaHandler;
  /** @default a local placeholder cluster ARN */
  readonly eventSourceArn?: string;
  /** 1 to 10,000. @default 100 */
  readonly batchSize?: number;
  /** 0 to 300,000. @default 500 */
  readonly maximumBatchingWindowMs?: number;
  /** Used for partitions the group has no offset for. @default 'TRIM_HORIZON' */
  readonly startingPosition?: StartingPosition;
  /** Required with AT_TIMESTAMP, refused otherwise. @default none */
  readonly startingPositionTimestamp?: Date;
  /** -1 (until the records expire) or 0 to 10,000; -1 becomes 10 when `onFailure` is set. @default -1 */
  readonly retryAttempts?: number;
  /** -1 (never) or 60,000 to 604,800,000. @default -1 */
  readonly maximumRecordAgeMs?: number;
  /** @default false */
  readonly bisectBatchOnFunctionError?: boolean;
  /** FunctionResponseTypes ['ReportBatchItemFailures']. @default true */
  readonly reportBatchItemFailures?: boolean;
  /** Past it the invocation has failed; it is not waited for and may go on writing, as on Lambda. 1 to 840,000. @default 60,000 */
  readonly functionTimeoutMs?: number;
  /** The on-failure destination, e.g. an SQS send of `JSON.stringify(record)`. @default none: given-up records are dropped */
  readonly onFailure?: (record: OnFailureRecord) => Promise<void>;
  /** @default none */
  readonly onInvoke?: (summary: InvocationSummary) => void;
  /** Problems the mapping survives (commits, destination, consumer restarts). @default written to stderr */
  readonly onError?: (error: LocalEventSourceMappingError) => void;
}

export type Settings = Required<Omit<LocalEventSourceMappingProps, 'startingPositionTimestamp' | 'onFailure' | 'onInvoke'>> &
  Pick<LocalEventSourceMappingProps, 'startingPositionTimestamp' | 'onFailure' | 'onInvoke'>;


/** The ranges CreateEventSourceMapping accepts, checked up front so a local run fails as a deploy would. */
export function validate(props: Settings): void {
  const fail = (prop: string, rule: string, value: unknown): never => {
    const message = `${prop} must be ${rule} (got ${JSON.stringify(value)})`;
    throw new LocalEventSourceMappingError(message, LocalEventSourceMappingErrorReason.INVALID_PROPS, props.functionName);
  };
  const integerIn = (prop: keyof Settings, min: number, max: number, alsoAllowed?: number): void => {
    const value = props[prop] as number;
    if (!Number.isInteger(value) || ((value < min || value > max) && value !== alsoAllowed)) {
      fail(prop, `an integer from ${min} to ${max}${alsoAllowed === undefined ? '' : ` or ${alsoAllowed}`}`, value);
    }
  };
  if (props.functionName.length === 0) fail('functionName', 'non-empty', props.functionName);
  if (props.bootstrapServers.length === 0) fail('bootstrapServers', 'non-empty', props.bootstrapServers);
  if (props.topics.length === 0 || props.topics.some((t) => t.length === 0)) fail('topics', 'one or more non-empty names', props.topics);
  if (props.consumerGroupId.length === 0 || props.consumerGroupId.length > 200) fail('consumerGroupId', '1 to 200 characters', props.consumerGroupId);
  integerIn('batchSize', 1, 10_000);
  integerIn('maximumBatchingWindowMs', 0, 300_000);
  integerIn('retryAttempts', 0, 10_000, -1);
  integerIn('maximumRecordAgeMs', 60_000, 604_800_000, -1);
  integerIn('functionTimeoutMs', 1, 840_000);
  const positions = Object.values(StartingPosition);
  if (!positions.includes(props.startingPosition)) fail('startingPosition', positions.join(' | '), props.startingPosition);
  if ((props.startingPosition === StartingPosition.AT_TIMESTAMP) !== (props.startingPositionTimestamp !== undefined)) {
    fail('startingPositionTimestamp', 'given exactly when startingPosition is AT_TIMESTAMP', props.startingPositionTimestamp);
  }
}
