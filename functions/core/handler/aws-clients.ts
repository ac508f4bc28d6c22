import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { DeadLetterWriter } from '../dlq/dead-letter-writer.js';
import { SqsDeadLetterWriter } from '../dlq/sqs-dead-letter-writer.js';
import { SqsFifoEmitter } from '../emit/sqs-fifo-emitter-writer.js';
import type { WindowEmitter } from '../emit/window-emitter.js';
import { DynamoDbStateStore } from '../state/dynamodb-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { CachedSchemaRegistry } from '../serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../serde/glue-schema-registry-client.js';
import type { SchemaRegistry } from '../serde/schema-registry.js';
import * as z from '../validation/zod-mini.js';
import { ProcessorConfigurationError } from './errors.js';

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

/**
 * The state store and (when configured) the emitter of a deployed engine
 * processor. The DynamoDB client is made now: every invocation reads state,
 * and the state store imports the DynamoDB SDK statically anyway. The SQS
 * client of the emitter is made when windows first close (ClientSource);
 * the emitter itself is built now, so a misconfigured queue still fails the
 * cold start.
 */
export function createEngineAdapters(env: EngineEnvironment, tracer: Tracer): { store: StateStore; emitter?: WindowEmitter } {
  const store = new DynamoDbStateStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: env.STATE_TABLE_NAME });
  if (env.EMIT_QUEUE_URL === undefined) return { store };
  return { store, emitter: new SqsFifoEmitter({ sqs: sqsClient(tracer), queueUrl: env.EMIT_QUEUE_URL }) };
}

/**
 * The registry and dead-letter writer of a deployed processor. Their Glue,
 * SQS and S3 clients, traced by `tracer`, are made on first use: the first
 * schema lookup, the first dead letter, the first oversized one.
 */
export function createAwsAdapters(
  env: ProcessorEnvironment,
  tracer: Tracer,
): { registry: SchemaRegistry; deadLetters: DeadLetterWriter } {
  return {
    registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue: glueClient(tracer), registryName: env.SCHEMA_REGISTRY_NAME })),
    deadLetters: new SqsDeadLetterWriter({
      sqs: sqsClient(tracer),
      queueUrl: env.DEAD_LETTER_QUEUE_URL,
      ...(env.DEAD_LETTER_BUCKET === undefined ? {} : { s3: s3Client(tracer), offloadBucket: env.DEAD_LETTER_BUCKET }),
      maxMessageBytes: env.DEAD_LETTER_MAX_MESSAGE_BYTES,
    }),
  };
}

// Factories rather than clients: each imports its SDK package only when
// called, which a static import in the bundle would do at cold start.
function glueClient(tracer: Tracer): () => Promise<GlueClient> {
  return async () => tracer.captureAWSv3Client(new (await import('@aws-sdk/client-glue')).GlueClient({}));
}

function sqsClient(tracer: Tracer): () => Promise<SQSClient> {
  return async () => tracer.captureAWSv3Client(new (await import('@aws-sdk/client-sqs')).SQSClient({}));
}

function s3Client(tracer: Tracer): () => Promise<S3Client> {
  return async () => tracer.captureAWSv3Client(new (await import('@aws-sdk/client-s3')).S3Client({}));
}
