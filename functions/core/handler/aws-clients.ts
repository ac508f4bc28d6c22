import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { DeadLetterWriter } from '../dlq/dead-letter-writer.js';
import { SqsDeadLetterWriter } from '../dlq/sqs-dead-letter-writer.js';
import { SqsFifoEmitter } from '../emit/sqs-fifo-emitter-writer.js';
import type { WindowEmitter } from '../emit/window-emitter.js';
import { DynamoDbStateStore } from '../state/dynamodb-state-store-client.js';
import type { StateStore } from '../state/state-store.js';
import { CachedSchemaRegistry } from '../serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../serde/glue-schema-registry-client.js';
import type { SchemaRegistry } from '../serde/schema-registry.js';
import * as z from '../validation/zod-mini.js';

/**
 * The environment a deployed processor reads its AWS resources from. Service
 * endpoints (for the local stack) come from the SDK's own variables, such as
 * AWS_ENDPOINT_URL_SQS, so nothing here knows about local or AWS.
 */
const processorEnvironment = z.object({
  SCHEMA_REGISTRY_NAME: z.string().check(z.minLength(1, 'must name the Glue registry')),
  DEAD_LETTER_QUEUE_URL: z.url('must be the URL of the SQS dead-letter queue'),
  DEAD_LETTER_BUCKET: z.optional(z.string().check(z.minLength(3))),
  DEAD_LETTER_MAX_MESSAGE_BYTES: z.optional(z.coerce.number().check(z.int(), z.gte(1024), z.lte(1_048_576))),
});
export type ProcessorEnvironment = z.infer<typeof processorEnvironment>;

const engineEnvironment = z.object({
  STATE_TABLE_NAME: z.string().check(z.minLength(3, 'must name the processor\'s DynamoDB table')),
  EMIT_QUEUE_URL: z.optional(z.url('must be the URL of the SQS FIFO queue closed windows are announced on')),
  INPUT_PARTITIONS: z.optional(z.coerce.number().check(z.int(), z.gte(1, 'must be the input topic\'s partition count'))),
});
export type EngineEnvironment = z.infer<typeof engineEnvironment>;

export class ProcessorConfigurationError extends Error {
  public override readonly name = 'ProcessorConfigurationError';
  public readonly reason = 'INVALID_ENVIRONMENT';
}

function parseEnvironment<T>(schema: z.ZodMiniType<T>, env: NodeJS.ProcessEnv): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new ProcessorConfigurationError(`Processor environment is invalid: ${problems}`);
  }
  return result.data;
}

export function readProcessorEnvironment(env: NodeJS.ProcessEnv = process.env): ProcessorEnvironment {
  return parseEnvironment(processorEnvironment, env);
}

export function readEngineEnvironment(env: NodeJS.ProcessEnv = process.env): EngineEnvironment {
  return parseEnvironment(engineEnvironment, env);
}

/** The state store and (when configured) the emitter of a deployed engine processor. */
export function createEngineAdapters(env: EngineEnvironment, tracer: Tracer): { store: StateStore; emitter?: WindowEmitter } {
  const store = new DynamoDbStateStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: env.STATE_TABLE_NAME });
  if (env.EMIT_QUEUE_URL === undefined) return { store };
  return { store, emitter: new SqsFifoEmitter({ sqs: tracer.captureAWSv3Client(new SQSClient({})), queueUrl: env.EMIT_QUEUE_URL }) };
}

/** The registry and dead-letter writer of a deployed processor, on SDK clients traced by `tracer`. */
export function createAwsAdapters(
  env: ProcessorEnvironment,
  tracer: Tracer,
): { registry: SchemaRegistry; deadLetters: DeadLetterWriter } {
  const glue = tracer.captureAWSv3Client(new GlueClient({}));
  const sqs = tracer.captureAWSv3Client(new SQSClient({}));
  const s3 = env.DEAD_LETTER_BUCKET === undefined ? undefined : tracer.captureAWSv3Client(new S3Client({}));
  return {
    registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue, registryName: env.SCHEMA_REGISTRY_NAME })),
    deadLetters: new SqsDeadLetterWriter({
      sqs,
      queueUrl: env.DEAD_LETTER_QUEUE_URL,
      ...(s3 === undefined || env.DEAD_LETTER_BUCKET === undefined ? {} : { s3, offloadBucket: env.DEAD_LETTER_BUCKET }),
      ...(env.DEAD_LETTER_MAX_MESSAGE_BYTES === undefined ? {} : { maxMessageBytes: env.DEAD_LETTER_MAX_MESSAGE_BYTES }),
    }),
  };
}
