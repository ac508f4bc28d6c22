import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../devstack/dynamodb-local.js';
import { kafkaClient } from '../devstack/kafka.js';
import { registerConnector, waitForConnectorRunning } from '../devstack/kafka-connect.js';
import { LOCAL_AWS } from '../devstack/moto.js';
import { waitUntil } from '../devstack/processes.js';
import type { StackEndpoints } from '../devstack/stack.js';
import {
  CONNECTOR_NAMES,
  ORDERS_OUTBOX_CONNECTOR,
  ORDERS_TOPIC,
  PIPELINE_TOPIC_PARTITIONS,
  STOCK_MOVEMENTS_CONNECTOR,
  STOCK_MOVEMENTS_TOPIC,
  ordersOutboxConnector,
  postgresConnection,
  stockMovementsConnector,
} from './connectors.js';
import { registerSubjects, type RegisteredSubjects } from './schemas.js';
import { ReferenceInputError, ReferenceInputErrorReason, ReferencePipelineError } from './errors.js';

/**
 * Provisions the retail reference pipeline (ARCHITECTURE.md section 7) on a
 * running local stack: what `cdk deploy` creates on AWS, made here with the
 * same API calls against Kafka, moto, ElasticMQ and DynamoDB Local. Every step is
 * idempotent, so running it on a stack that has the pipeline changes nothing
 * and returns the same description.
 */

export const PROCESSORS = ['inventory-projector', 'order-analytics'] as const;
export type PipelineProcessor = (typeof PROCESSORS)[number];

export const LOCAL_REGISTRY_NAME = 'realtime-pipeline-local';
export const ALERTS_QUEUE_NAME = 'order-analytics-alerts.fifo';
export const DEAD_LETTER_BUCKET = 'realtime-pipeline-local-dead-letters';

/** Each processor's input topic, as its definition names it. */
const INPUT_TOPIC: Record<PipelineProcessor, string> = {
  'inventory-projector': STOCK_MOVEMENTS_TOPIC,
  'order-analytics': ORDERS_TOPIC,
};

export interface ProvisionedProcessor {
  readonly name: PipelineProcessor;
  readonly inputTopic: string;
  readonly partitions: number;
  /** The DynamoDB state table (STATE_TABLE_NAME); named after the processor. */
  readonly stateTable: string;
  /** Standard queue for poison records (DEAD_LETTER_QUEUE_URL). */
  readonly deadLetterQueueUrl: string;
  /** Standard queue for batches that failed after the mapping's retries (the ESM on-failure destination). */
  readonly onFailureQueueUrl: string;
}

export interface ProvisionedPipeline {
  readonly topics: Readonly<Record<string, { readonly partitions: number }>>;
  readonly registryName: string;
  /** subject → version → Glue schema version id. */
  readonly schemaVersionIds: RegisteredSubjects;
  readonly processors: Readonly<Record<PipelineProcessor, ProvisionedProcessor>>;
  /** FIFO queue for order-analytics' risk alerts (EMIT_QUEUE_URL); content-based deduplication off, the engine sets dedup ids. */
  readonly alertsQueueUrl: string;
  /** Where dead letters too big for SQS are offloaded (DEAD_LETTER_BUCKET). */
  readonly deadLetterBucket: string;
  readonly connectors: readonly string[];
}

export interface ProvisionOptions {
  readonly onProgress?: (line: string) => void;
  /** Partitions of each input topic. @default PIPELINE_TOPIC_PARTITIONS (3) */
  readonly partitions?: number;
  /** @default 120 000 ms for each connector to reach RUNNING and hold its replication slot */
  readonly connectorTimeoutMs?: number;
}

export const PipelineProvisionErrorReason = {
  /** A topic exists with another partition count than the pipeline's. */
  TOPIC_MISMATCH: 'TOPIC_MISMATCH',
  /** A queue, bucket or table could not be created. */
  CREATE_FAILED: 'CREATE_FAILED',
} as const;
export type PipelineProvisionErrorReason = (typeof PipelineProvisionErrorReason)[keyof typeof PipelineProvisionErrorReason];

export class PipelineProvisionError extends ReferencePipelineError {
  public override readonly name = 'PipelineProvisionError';
  public constructor(
    message: string,
    public readonly reason: PipelineProvisionErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Endpoints = Pick<StackEndpoints, 'postgres' | 'kafka' | 'dynamodb' | 'moto' | 'elasticmq' | 'kafka-connect'>;

export async function provisionPipeline(endpoints: Endpoints, options: ProvisionOptions = {}): Promise<ProvisionedPipeline> {
  const progress = options.onProgress ?? (() => undefined);
  const partitions = options.partitions ?? PIPELINE_TOPIC_PARTITIONS;
  const topics: Record<string, { partitions: number }> = { [STOCK_MOVEMENTS_TOPIC]: { partitions }, [ORDERS_TOPIC]: { partitions } };
  await ensureTopics(endpoints.kafka.bootstrapServers, topics);
  progress(`pipeline: topics ${Object.keys(topics).join(', ')} (${partitions} partitions each)`);

  const schemaVersionIds = await registerSubjects({ motoEndpoint: endpoints.moto.endpoint, registryName: LOCAL_REGISTRY_NAME, onProgress: progress });
  await ensureStateTables(endpoints.dynamodb.endpoint, PROCESSORS);
  progress(`pipeline: state tables ${PROCESSORS.join(', ')}`);

  const queues = await ensureQueues(endpoints.elasticmq.endpoint);
  progress('pipeline: queues in ElasticMQ');
  await ensureBucket(endpoints.moto.endpoint, DEAD_LETTER_BUCKET);
  progress(`pipeline: bucket ${DEAD_LETTER_BUCKET} in moto`);

  // Connectors last: their topics must exist with the pipeline's partitions before Connect would create them.
  const db = postgresConnection(endpoints.postgres.connectionString);
  const connectors = [
    { name: STOCK_MOVEMENTS_CONNECTOR, config: stockMovementsConnector(db, partitions) },
    { name: ORDERS_OUTBOX_CONNECTOR, config: ordersOutboxConnector(db, partitions) },
  ] as const;
  const restUrl = endpoints['kafka-connect'].restUrl;
  for (const connector of connectors) await registerConnector(restUrl, connector.name, connector.config);
  const timeoutMs = options.connectorTimeoutMs ?? 120_000;
  for (const connector of connectors) {
    await waitForConnectorRunning(restUrl, connector.name, timeoutMs);
    await waitForSlotActive(endpoints.postgres.connectionString, connector.name, CONNECTOR_NAMES[connector.name].slot, timeoutMs);
    progress(`pipeline: connector ${connector.name} RUNNING, streaming from slot ${CONNECTOR_NAMES[connector.name].slot}`);
  }

  const processors = Object.fromEntries(
    PROCESSORS.map((name) => [
      name,
      {
        name,
        inputTopic: INPUT_TOPIC[name],
        partitions,
        stateTable: name,
        deadLetterQueueUrl: queues.deadLetter[name],
        onFailureQueueUrl: queues.onFailure[name],
      } satisfies ProvisionedProcessor,
    ]),
  ) as Record<PipelineProcessor, ProvisionedProcessor>;
  return {
    topics,
    registryName: LOCAL_REGISTRY_NAME,
    schemaVersionIds,
    processors,
    alertsQueueUrl: queues.alerts,
    deadLetterBucket: DEAD_LETTER_BUCKET,
    connectors: connectors.map((c) => c.name),
  };
}

/** Creates the topics that are missing; refuses one that exists with another partition count, since keys would hash elsewhere. */
async function ensureTopics(bootstrapServers: string, topics: Record<string, { partitions: number }>): Promise<void> {
  const admin = kafkaClient(bootstrapServers, 'rtp-provision').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.entries(topics).filter(([name]) => !existing.has(name));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map(([topic, { partitions }]) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: Object.keys(topics) });
    for (const topic of metadata.topics) {
      const wanted = topics[topic.name]?.partitions;
      if (wanted !== undefined && topic.partitions.length !== wanted) {
        throw new PipelineProvisionError(
          `Topic ${topic.name} exists with ${topic.partitions.length} partitions, the pipeline needs ${wanted}; delete it or start the stack with --fresh`,
          PipelineProvisionErrorReason.TOPIC_MISMATCH,
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
}

async function ensureStateTables(endpoint: string, tables: readonly string[]): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    for (const table of tables) {
      if (await tableExists(client, table)) continue;
      try {
        await createStateTable(client, table);
      } catch (error) {
        // Another provisioning run may have created it in between.
        if (error instanceof Error && error.name === 'ResourceInUseException') continue;
        throw new PipelineProvisionError(`Could not create state table ${table}: ${messageOf(error)}`, PipelineProvisionErrorReason.CREATE_FAILED, { cause: error });
      }
    }
  } finally {
    client.destroy();
  }
}

async function tableExists(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

/**
 * CreateQueue returns the existing queue's URL when the name and attributes
 * match, which makes it idempotent as it is.
 */
async function ensureQueues(endpoint: string): Promise<{ deadLetter: Record<PipelineProcessor, string>; onFailure: Record<PipelineProcessor, string>; alerts: string }> {
  const sqs = new SQSClient({ endpoint, ...LOCAL_AWS });
  const create = async (name: string, attributes: Record<string, string> = {}): Promise<string> => {
    try {
      const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      if (url === undefined) throw new ReferenceInputError('no QueueUrl in the answer', ReferenceInputErrorReason.UNEXPECTED_ANSWER);
      return url;
    } catch (error) {
      throw new PipelineProvisionError(`Could not create SQS queue ${name}: ${messageOf(error)}`, PipelineProvisionErrorReason.CREATE_FAILED, { cause: error });
    }
  };
  try {
    const deadLetter = {} as Record<PipelineProcessor, string>;
    const onFailure = {} as Record<PipelineProcessor, string>;
    for (const processor of PROCESSORS) {
      deadLetter[processor] = await create(`${processor}-dlq`);
      onFailure[processor] = await create(`${processor}-on-failure`);
    }
    // Off: the engine gives each alert a deterministic MessageDeduplicationId, so a replayed window is dropped by SQS.
    const alerts = await create(ALERTS_QUEUE_NAME, { FifoQueue: 'true', ContentBasedDeduplication: 'false' });
    return { deadLetter, onFailure, alerts };
  } finally {
    sqs.destroy();
  }
}

async function ensureBucket(endpoint: string, bucket: string): Promise<void> {
  const s3 = new S3Client({ endpoint, ...LOCAL_AWS, forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof Error && (error.name === 'BucketAlreadyOwnedByYou' || error.name === 'BucketAlreadyExists')) return;
    throw new PipelineProvisionError(`Could not create S3 bucket ${bucket}: ${messageOf(error)}`, PipelineProvisionErrorReason.CREATE_FAILED, { cause: error });
  } finally {
    s3.destroy();
  }
}

/**
 * RUNNING only says the task's start() returned; Debezium connects to its
 * slot on a thread of its own. An active slot means it is connected and
 * streaming, so every commit from here on reaches Kafka. Waiting for a first
 * record is not possible: the tables may well be empty.
 */
async function waitForSlotActive(connectionString: string, connector: string, slot: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await waitUntil(
      async () => {
        const { rows } = await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        return rows[0]?.active === true;
      },
      { what: `connector ${connector} streaming from replication slot ${slot}`, timeoutMs, pollMs: 250 },
    );
  } finally {
    await client.end();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
