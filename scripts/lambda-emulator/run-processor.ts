/**
 * One processor as its own process, the way it runs on AWS: the handler
 * module of `functions/<processor>/handler.ts`, configured by environment
 * variables alone, invoked by a local event source mapping. Started by
 * `processor-runner.ts` (`node --import tsx/esm run-processor.ts`).
 *
 * The handler reads its own variables (STATE_TABLE_NAME, INPUT_PARTITIONS,
 * SCHEMA_REGISTRY_NAME, DEAD_LETTER_QUEUE_URL, AWS_ENDPOINT_URL_<SERVICE>,
 * ...); the mapping's settings are the RTP_* variables below, which stand for
 * what CreateEventSourceMapping would be given.
 *
 * stdout carries one JSON line per event: `{"type":"started"}` once the
 * consumer group has its partitions, then `{"type":"invoke", ...}` per
 * invocation. The handler's own Powertools logs are JSON lines on stdout too,
 * as on Lambda; readers pick lines by `type`. SIGTERM or SIGINT stops the
 * mapping gracefully (in-flight invocations finish and commit) and exits 0.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { KafkaEvent } from '../../functions/core/msk/types.js';
import { LocalEventSourceMapping, StartingPosition, type InvocationSummary, type KafkaLambdaHandler } from './esm/local-event-source-mapping.js';
import type { OnFailureRecord } from './esm/msk-event.js';
import { kafkaClient } from '../devstack/kafka.js';
import { LambdaEmulatorError } from './errors.js';

export const RunProcessorErrorReason = {
  INVALID_ENVIRONMENT: 'INVALID_ENVIRONMENT',
  UNKNOWN_PROCESSOR: 'UNKNOWN_PROCESSOR',
  INVALID_HANDLER: 'INVALID_HANDLER',
} as const;
export type RunProcessorErrorReason = (typeof RunProcessorErrorReason)[keyof typeof RunProcessorErrorReason];

export class RunProcessorError extends LambdaEmulatorError {
  public override readonly name = 'RunProcessorError';
  public constructor(
    message: string,
    public readonly reason: RunProcessorErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const integer = z.coerce.number().int();
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The mapping's part of the environment; ranges are left to the mapping's own validation, which matches Lambda's. */
const runnerEnvironment = z.object({
  RTP_PROCESSOR: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must name a folder of functions/, such as inventory-projector'),
  RTP_FUNCTION_NAME: z.string().min(1).optional(),
  RTP_KAFKA_BOOTSTRAP_SERVERS: z.string().min(1, 'must list the brokers, e.g. 127.0.0.1:19092'),
  RTP_ESM_TOPICS: z
    .string()
    .min(1, 'must name the input topic (comma-separated for several)')
    .transform((v) => v.split(',').map((t) => t.trim()).filter((t) => t.length > 0)),
  RTP_ESM_CONSUMER_GROUP_ID: z.string().min(1).optional(),
  RTP_ESM_EVENT_SOURCE_ARN: z.string().min(1).optional(),
  RTP_ESM_BATCH_SIZE: integer.optional(),
  RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: integer.optional(),
  RTP_ESM_STARTING_POSITION: z.enum(StartingPosition).optional(),
  RTP_ESM_STARTING_POSITION_TIMESTAMP: z.coerce.date().optional(),
  RTP_ESM_RETRY_ATTEMPTS: integer.optional(),
  RTP_ESM_MAXIMUM_RECORD_AGE_MS: integer.optional(),
  RTP_ESM_BISECT_BATCH_ON_FUNCTION_ERROR: flag.optional(),
  RTP_ESM_REPORT_BATCH_ITEM_FAILURES: flag.optional(),
  RTP_ESM_FUNCTION_TIMEOUT_MS: integer.optional(),
  RTP_ESM_ON_FAILURE_QUEUE_URL: z.url('must be the URL of the SQS on-failure queue').optional(),
  /** A module exporting `handler`, run instead of functions/<RTP_PROCESSOR>/handler.ts (a benchmark's alternative processor). */
  RTP_HANDLER_MODULE: z.string().min(1).optional(),
  /** A measurement's module, imported before the handler so it sees the SDK clients the handler makes at import (bench/scale-probe.ts). */
  RTP_PROBE_MODULE: z.string().min(1).optional(),
});
export type RunnerEnvironment = z.infer<typeof runnerEnvironment>;

export function readRunnerEnvironment(env: NodeJS.ProcessEnv = process.env): RunnerEnvironment {
  // An empty variable means unset, as a shell's `VAR= cmd` would.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = runnerEnvironment.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new RunProcessorError(`Processor runner environment is invalid: ${problems}`, RunProcessorErrorReason.INVALID_ENVIRONMENT);
  }
  return result.data;
}

/** One line of stdout per invocation. */
export interface InvokeLine extends InvocationSummary {
  readonly type: 'invoke';
  /** Per record, ms from its Kafka timestamp to the invocation's success; empty unless `result` is SUCCESS. */
  readonly latenciesMs: readonly number[];
}

export interface StartedLine {
  readonly type: 'started';
  readonly functionName: string;
  readonly topics: readonly string[];
  readonly consumerGroupId: string;
}

export type RunnerLine = InvokeLine | StartedLine;

/** Imports the handler module; only once the environment is in place, since handler modules read it at import. */
async function loadHandler(processor: string, handlerModule: string | undefined): Promise<KafkaLambdaHandler> {
  const url = handlerModule === undefined ? new URL(`../../functions/${processor}/handler.ts`, import.meta.url) : pathToFileURL(resolve(handlerModule));
  const where = handlerModule ?? `functions/${processor}/handler.ts`;
  try {
    await access(fileURLToPath(url));
  } catch (cause) {
    throw new RunProcessorError(`No handler module for processor '${processor}' at ${where}`, RunProcessorErrorReason.UNKNOWN_PROCESSOR, { cause });
  }
  const module = (await import(url.href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new RunProcessorError(`${where} exports no function named handler`, RunProcessorErrorReason.INVALID_HANDLER);
  }
  return module.handler as KafkaLambdaHandler;
}

function emit(line: RunnerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = readRunnerEnvironment();
  if (config.RTP_PROBE_MODULE !== undefined) await import(pathToFileURL(resolve(config.RTP_PROBE_MODULE)).href);
  const handler = await loadHandler(config.RTP_PROCESSOR, config.RTP_HANDLER_MODULE);
  const functionName = config.RTP_FUNCTION_NAME ?? config.RTP_PROCESSOR;
  const consumerGroupId = config.RTP_ESM_CONSUMER_GROUP_ID ?? `rtp-${config.RTP_PROCESSOR}`;

  // The record timestamps of each invocation under way, by request id, so its summary can carry latencies.
  const timestamps = new Map<string, number[]>();
  const timed: KafkaLambdaHandler = (event: KafkaEvent, context: Context) => {
    timestamps.set(context.awsRequestId, Object.values(event.records).flatMap((records) => records.map((r) => r.timestamp)));
    return handler(event, context);
  };
  const onInvoke = (summary: InvocationSummary): void => {
    const now = Date.now();
    const stamps = timestamps.get(summary.requestId) ?? [];
    timestamps.delete(summary.requestId);
    emit({ type: 'invoke', ...summary, latenciesMs: summary.result === 'SUCCESS' ? stamps.map((t) => now - t) : [] });
  };

  // The on-failure destination: an SQS client of its own, on the endpoint AWS_ENDPOINT_URL_SQS names, as the handler's are.
  const sqs = config.RTP_ESM_ON_FAILURE_QUEUE_URL === undefined ? undefined : new SQSClient({});
  const onFailure =
    sqs === undefined || config.RTP_ESM_ON_FAILURE_QUEUE_URL === undefined
      ? undefined
      : async (record: OnFailureRecord): Promise<void> => {
          await sqs.send(new SendMessageCommand({ QueueUrl: config.RTP_ESM_ON_FAILURE_QUEUE_URL, MessageBody: JSON.stringify(record) }));
        };

  const mapping = new LocalEventSourceMapping({
    kafka: kafkaClient(config.RTP_KAFKA_BOOTSTRAP_SERVERS, `rtp-esm-${functionName}`),
    bootstrapServers: config.RTP_KAFKA_BOOTSTRAP_SERVERS,
    topics: config.RTP_ESM_TOPICS,
    consumerGroupId,
    functionName,
    handler: timed,
    eventSourceArn: config.RTP_ESM_EVENT_SOURCE_ARN,
    batchSize: config.RTP_ESM_BATCH_SIZE,
    maximumBatchingWindowMs: config.RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS,
    startingPosition: config.RTP_ESM_STARTING_POSITION,
    startingPositionTimestamp: config.RTP_ESM_STARTING_POSITION_TIMESTAMP,
    retryAttempts: config.RTP_ESM_RETRY_ATTEMPTS,
    maximumRecordAgeMs: config.RTP_ESM_MAXIMUM_RECORD_AGE_MS,
    bisectBatchOnFunctionError: config.RTP_ESM_BISECT_BATCH_ON_FUNCTION_ERROR,
    reportBatchItemFailures: config.RTP_ESM_REPORT_BATCH_ITEM_FAILURES,
    functionTimeoutMs: config.RTP_ESM_FUNCTION_TIMEOUT_MS,
    onFailure,
    onInvoke,
  });

  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    stopping ??= (async () => {
      process.stderr.write(`[run-processor ${functionName}] ${signal}: finishing in-flight invocations\n`);
      await mapping.stop();
      sqs?.destroy();
      // The handler's SDK clients keep sockets open; nothing is left to flush once the mapping has stopped.
      process.exit(0);
    })().catch((error: unknown) => {
      process.stderr.write(`[run-processor ${functionName}] stop failed: ${describe(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await mapping.start();
  emit({ type: 'started', functionName, topics: config.RTP_ESM_TOPICS, consumerGroupId });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const reason = (error as { reason?: unknown }).reason;
  return `${error.name}${typeof reason === 'string' ? ` (${reason})` : ''}: ${error.message}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`[run-processor] ${describe(error)}\n`);
  // 2 for a bad configuration (ours or the handler's), which retrying cannot fix; 1 for anything else.
  const invalid = error instanceof RunProcessorError || (error as { reason?: unknown } | null)?.reason === 'INVALID_ENVIRONMENT';
  process.exit(invalid ? 2 : 1);
});
