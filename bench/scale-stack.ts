/**
 * The local stack the scale bench's cells run on (scale-cell.ts): a fresh
 * Kafka, DynamoDB Local on disk, moto (Glue registry, S3) and ElasticMQ
 * (SQS), as the demo uses them, with the orders subjects registered, the
 * processors' queues and dead-letter bucket made, and the alerts queue
 * read as a consumer downstream would.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Admin } from 'kafkajs';
import { DYNAMODB_DATA_DIR, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../scripts/devstack/dynamodb-local.js';
import { startElasticMq } from '../scripts/devstack/elasticmq.js';
import { kafkaClient, startKafka } from '../scripts/devstack/kafka.js';
import { LOCAL_AWS, startMoto } from '../scripts/devstack/moto.js';
import { consumeQueue } from '../scripts/reference/demo-results.js';
import { registerSubjects } from '../scripts/reference/schemas.js';

/** Glue registry and dead-letter bucket names the cells' processors are given. */
export const REGISTRY = 'realtime-pipeline-scale';
export const BUCKET = 'realtime-pipeline-scale-dead-letters';

export interface ScaleStack {
  readonly bootstrapServers: string;
  readonly dynamodbEndpoint: string;
  readonly motoEndpoint: string;
  readonly sqsEndpoint: string;
  /** orders v1..v3 → Glue schema version id. */
  readonly orderSchemaIds: ReadonlyMap<number, string>;
  readonly queues: { readonly deadLetter: string; readonly onFailure: string; readonly alerts: string };
  readonly admin: Admin;
  readonly dynamodb: DynamoDBClient;
  stop(): Promise<void>;
}

/** Starts the stack every cell runs on, `onProgress` given its start-up lines; stops what started when any part fails. */
export async function startScaleStack(onProgress: (line: string) => void): Promise<ScaleStack> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const started = await Promise.allSettled([
      startKafka({ fresh: true, onProgress: (l) => onProgress(`  ${l}`) }),
      // On disk, as the local stack runs it.
      startDynamoDbLocal({ inMemory: false, dataDir: DYNAMODB_DATA_DIR, onProgress: (l) => onProgress(`  ${l}`) }),
      startMoto({ onProgress: (l) => onProgress(`  ${l}`) }),
      startElasticMq({ onProgress: (l) => onProgress(`  ${l}`) }),
    ]);
    for (const outcome of started) if (outcome.status === 'fulfilled') stops.push(() => outcome.value.stop());
    const failure = started.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const [kafka, dynamodbLocal, moto, elasticMq] = started.map((o) => (o as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startKafka>>,
      Awaited<ReturnType<typeof startDynamoDbLocal>>,
      Awaited<ReturnType<typeof startMoto>>,
      Awaited<ReturnType<typeof startElasticMq>>,
    ];
    const subjects = await registerSubjects({ motoEndpoint: moto.endpoint, registryName: REGISTRY });
    const orderSchemaIds = subjects.get('orders');
    if (orderSchemaIds === undefined) throw new Error('schemas/ has no orders subject');
    const sqs = new SQSClient({ endpoint: elasticMq.endpoint, ...LOCAL_AWS });
    const queue = async (name: string, attributes: Record<string, string> = {}): Promise<string> => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      if (QueueUrl === undefined) throw new Error(`ElasticMQ gave no URL for queue ${name}`);
      return QueueUrl;
    };
    const queues = {
      deadLetter: await queue('order-analytics-dlq'),
      onFailure: await queue('order-analytics-on-failure'),
      alerts: await queue('order-analytics-alerts.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'false' }),
    };
    // Alerts are read as they come, as a consumer downstream would, so no cell sends to a queue
    // that earlier cells left full.
    const alertsReader = consumeQueue(sqs, queues.alerts, () => undefined, 500);
    stops.push(async () => {
      await alertsReader.stop();
      sqs.destroy();
    });
    const s3 = new S3Client({ endpoint: moto.endpoint, ...LOCAL_AWS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    const admin = kafkaClient(kafka.bootstrapServers, 'rtp-scale-admin').admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    stops.push(() => Promise.resolve(dynamodb.destroy()));
    return {
      bootstrapServers: kafka.bootstrapServers,
      dynamodbEndpoint: dynamodbLocal.endpoint,
      motoEndpoint: moto.endpoint,
      sqsEndpoint: elasticMq.endpoint,
      orderSchemaIds,
      queues,
      admin,
      dynamodb,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
