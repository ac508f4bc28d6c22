/**
 * The reference order-analytics processor on a local stack of its own, with
 * fault proxies in front of DynamoDB Local and ElasticMQ (SQS), and the handles a
 * scenario needs to break it: kill the processor, restart the broker, cut
 * SQS, throttle DynamoDB. Kafka, moto (Glue, S3) and ElasticMQ are started per
 * scenario (a restarted broker must not disturb another scenario); DynamoDB
 * Local is the one the suite's global setup started, with a table per scenario.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Admin, Message, Producer } from 'kafkajs';
import { createStateTable } from '../../../functions/core/state/dynamodb-state-table.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../scripts/devstack/dynamodb-local.js';
import { startElasticMq, type ElasticMq } from '../../../scripts/devstack/elasticmq.js';
import { kafkaClient, startKafka, type LocalKafka } from '../../../scripts/devstack/kafka.js';
import { awsEnvironment, LOCAL_AWS, startMoto, type Moto } from '../../../scripts/devstack/moto.js';
import { LOG_DIR, STATE_DIR } from '../../../scripts/devstack/paths.js';
import { isAlive } from '../../../scripts/devstack/supervised-process.js';
import { startProcessor, type InvokeLine, type RunningProcessor } from '../../../scripts/lambda-emulator/processor-runner.js';
import { registerSubjects } from '../../../scripts/reference/schemas.js';
import { FaultProxy, type FaultDecision, type ProxiedRequest } from './fault-proxy.js';
import type { OrderSchemaIds } from './orders-ledger.js';

export const ORDERS_TOPIC = 'orders';
export const PARTITIONS = 3;
const PROCESSOR = 'order-analytics';
const GROUP = `rtp-${PROCESSOR}`;
const REGISTRY = 'realtime-pipeline-chaos';

export interface ChaosPipelineOptions {
  /** Names the scenario's data folder, table and log lines. */
  readonly scenario: string;
  readonly dynamodbEndpoint: string;
  /** Decides the fate of each DynamoDB request the processor makes. @default all pass */
  readonly dynamodbFaults?: (request: ProxiedRequest) => FaultDecision;
  /** Runs once DynamoDB answered a passed request, before the processor gets the answer. */
  readonly afterDynamoDb?: (request: ProxiedRequest, status: number) => void | Promise<void>;
  /** Mapping and handler settings over the defaults (RTP_ESM_*, NODE_OPTIONS, ...). */
  readonly processorEnv?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

export interface ProvisionedChaos {
  readonly stateTable: string;
  readonly deadLetterQueueUrl: string;
  readonly onFailureQueueUrl: string;
  readonly alertsQueueUrl: string;
  readonly bucket: string;
  readonly schemaIds: OrderSchemaIds;
  readonly registryName: string;
}

export class ChaosPipeline {
  public readonly invocations: InvokeLine[] = [];
  /** Processor processes started after the first, because one was killed or died. */
  public restarts = 0;
  private processor: RunningProcessor | undefined;
  private producer: Producer | undefined;

  private constructor(
    private readonly options: ChaosPipelineOptions,
    public kafka: LocalKafka,
    public readonly moto: Moto,
    public readonly elasticMq: ElasticMq,
    public readonly dynamodbProxy: FaultProxy,
    public readonly sqsProxy: FaultProxy,
    public readonly provisioned: ProvisionedChaos,
  ) {}

  public static async start(options: ChaosPipelineOptions): Promise<ChaosPipeline> {
    const progress = (line: string): void => options.log(`  ${line}`);
    const [kafkaStart, motoStart, elasticMqStart] = await Promise.allSettled([
      startKafka({ dataDir: join(STATE_DIR, `chaos-${options.scenario}`, 'kafka'), fresh: true, onProgress: progress }),
      startMoto({ onProgress: progress }),
      startElasticMq({ onProgress: progress }),
    ]);
    // A scenario that fails to start has no pipeline to stop in its afterAll: stop here what did start.
    if (kafkaStart.status === 'rejected' || motoStart.status === 'rejected' || elasticMqStart.status === 'rejected') {
      for (const start of [kafkaStart, motoStart, elasticMqStart]) if (start.status === 'fulfilled') await start.value.stop().catch(() => undefined);
      throw [kafkaStart, motoStart, elasticMqStart].find((start): start is PromiseRejectedResult => start.status === 'rejected')?.reason;
    }
    const kafka = kafkaStart.value;
    const moto = motoStart.value;
    const elasticMq = elasticMqStart.value;
    const dynamodbProxy = new FaultProxy({
      target: options.dynamodbEndpoint,
      decide: options.dynamodbFaults,
      afterForward: options.afterDynamoDb,
    });
    const sqsProxy = new FaultProxy({ target: elasticMq.endpoint });
    try {
      await Promise.all([dynamodbProxy.start(), sqsProxy.start()]);
      const provisioned = await provision(options, kafka, moto, elasticMq);
      return new ChaosPipeline(options, kafka, moto, elasticMq, dynamodbProxy, sqsProxy, provisioned);
    } catch (error) {
      await Promise.all([dynamodbProxy.stop(), sqsProxy.stop()]);
      await kafka.stop().catch(() => undefined);
      await moto.stop().catch(() => undefined);
      await elasticMq.stop().catch(() => undefined);
      throw error;
    }
  }

  /** DynamoDB Local itself, past the fault proxy. */
  public get dynamodbEndpoint(): string {
    return this.options.dynamodbEndpoint;
  }

  /** The processor's environment: the handler's variables and the mapping's, through the fault proxies. */
  private processorEnvironment(): Record<string, string> {
    const p = this.provisioned;
    // The SQS client sends each request to its QueueUrl's host, not to its
    // endpoint (useQueueUrlAsEndpoint), so the processor's queue URLs must
    // name the proxy, or its SQS calls would go around it straight to ElasticMQ.
    const viaProxy = (queueUrl: string): string => {
      const url = new URL(queueUrl);
      return `${this.sqsProxy.endpoint}${url.pathname}`;
    };
    return {
      ...awsEnvironment(this.moto.endpoint, this.sqsProxy.endpoint),
      AWS_ENDPOINT_URL_DYNAMODB: this.dynamodbProxy.endpoint,
      STATE_TABLE_NAME: p.stateTable,
      INPUT_PARTITIONS: String(PARTITIONS),
      SCHEMA_REGISTRY_NAME: p.registryName,
      DEAD_LETTER_QUEUE_URL: viaProxy(p.deadLetterQueueUrl),
      DEAD_LETTER_BUCKET: p.bucket,
      EMIT_QUEUE_URL: viaProxy(p.alertsQueueUrl),
      RTP_KAFKA_BOOTSTRAP_SERVERS: this.kafka.bootstrapServers,
      RTP_ESM_TOPICS: ORDERS_TOPIC,
      RTP_ESM_ON_FAILURE_QUEUE_URL: viaProxy(p.onFailureQueueUrl),
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      ...this.options.processorEnv,
    };
  }

  /** Starts the processor (a local Lambda behind the local mapping) unless it is running. */
  public async startProcessor(): Promise<RunningProcessor> {
    if (this.processor !== undefined && isAlive(this.processor.pid)) return this.processor;
    if (this.processor !== undefined) this.restarts += 1;
    this.processor = await startProcessor({
      processor: PROCESSOR,
      env: this.processorEnvironment(),
      appendLog: this.processor !== undefined,
      onInvoke: (line) => this.invocations.push(line),
    });
    return this.processor;
  }

  /**
   * SIGKILL: no finally blocks, no graceful stop, as when Lambda's sandbox
   * dies. Its consumer stays in the group until its session times out
   * (kafkajs: 30 s), so the restarted one waits that long for its partitions.
   */
  public async killProcessor(): Promise<void> {
    const processor = this.processor;
    if (processor === undefined || !isAlive(processor.pid)) return;
    process.kill(processor.pid, 'SIGKILL');
    await processor.exited;
  }

  /** Stops the broker (controlled shutdown) and starts it again on the same data and port. */
  public async restartKafka(): Promise<void> {
    await this.kafka.stop();
    this.kafka = await startKafka({ dataDir: this.kafka.dataDir, onProgress: (line) => this.options.log(`  ${line}`) });
  }

  /**
   * Writes messages and returns once every one is acknowledged by the broker
   * (acks=all). A send that fails is sent again until acknowledged, so a
   * message may land twice (the idempotent producer's session does not
   * survive every broker failure); the pipeline's event-id dedup must hide that.
   */
  public async produce(messages: readonly Message[], options: { partition?: number } = {}): Promise<number> {
    let retries = 0;
    for (;;) {
      try {
        if (this.producer === undefined) {
          const producer = kafkaClient(this.kafka.bootstrapServers, `chaos-${this.options.scenario}-producer`).producer({ idempotent: true, maxInFlightRequests: 1 });
          await producer.connect();
          this.producer = producer;
        }
        const sent = options.partition === undefined ? [...messages] : messages.map((m) => ({ ...m, partition: options.partition }));
        await this.producer.send({ topic: ORDERS_TOPIC, acks: -1, messages: sent });
        return retries;
      } catch (error) {
        retries += 1;
        if (retries > 120) throw error;
        this.options.log(`  producer: send failed (${error instanceof Error ? error.message : String(error)}), sending again`);
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = undefined;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * Waits until the processor's group has committed every partition's end
   * offset, three polls in a row, restarting the processor if it is not
   * running (a killed one, or one that died).
   */
  public async drain(timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let admin: Admin | undefined;
    let last = '';
    try {
      for (let quiet = 0; quiet < 3; ) {
        if (Date.now() > deadline) throw new Error(`order-analytics did not catch up within ${timeoutMs} ms: ${last}`);
        try {
          await this.startProcessor();
          if (admin === undefined) {
            admin = kafkaClient(this.kafka.bootstrapServers, `chaos-${this.options.scenario}-admin`).admin();
            await admin.connect();
          }
          const ends = await admin.fetchTopicOffsets(ORDERS_TOPIC);
          const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [ORDERS_TOPIC] });
          const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
          const behind = ends.map((e) => ({ partition: e.partition, lag: BigInt(e.high) - (at.get(e.partition) ?? 0n) })).filter((p) => p.lag > 0n);
          last = behind.length === 0 ? 'caught up' : behind.map((b) => `partition ${b.partition} lag ${b.lag}`).join(', ');
          quiet = behind.length === 0 ? quiet + 1 : 0;
        } catch (error) {
          // The broker may be restarting under the scenario; ask again.
          last = error instanceof Error ? error.message : String(error);
          quiet = 0;
          await admin?.disconnect().catch(() => undefined);
          admin = undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await admin?.disconnect().catch(() => undefined);
    }
  }

  public async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    await this.processor?.stop().catch(() => undefined);
    // Every scenario's processor writes the same log; keep this one's for a failure's post-mortem.
    if (this.processor !== undefined) await copyFile(this.processor.logPath, join(LOG_DIR, `chaos-${this.options.scenario}-processor.log`)).catch(() => undefined);
    await Promise.all([this.dynamodbProxy.stop(), this.sqsProxy.stop()]);
    await this.kafka.stop();
    await this.moto.stop();
    await this.elasticMq.stop();
  }
}

async function provision(options: ChaosPipelineOptions, kafka: LocalKafka, moto: Moto, elasticMq: ElasticMq): Promise<ProvisionedChaos> {
  const admin = kafkaClient(kafka.bootstrapServers, `chaos-${options.scenario}-provision`).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: ORDERS_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const subjects = await registerSubjects({ motoEndpoint: moto.endpoint, registryName: REGISTRY });
  const schemaIds = subjects.get('orders');
  if (schemaIds === undefined) throw new Error('the orders subject was not registered');

  const sqs = new SQSClient({ endpoint: elasticMq.endpoint, ...LOCAL_AWS });
  const queue = async (name: string, attributes: Record<string, string> = {}): Promise<string> => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (QueueUrl === undefined) throw new Error(`ElasticMQ gave no URL for queue ${name}`);
    return QueueUrl;
  };
  const bucket = `chaos-${options.scenario}-dead-letters`;
  const s3 = new S3Client({ endpoint: moto.endpoint, ...LOCAL_AWS, forcePathStyle: true });
  const dynamodb = new DynamoDBClient({ endpoint: options.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const stateTable = `chaos-${options.scenario}-${Date.now()}`;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await createStateTable(dynamodb, stateTable);
    return {
      stateTable,
      deadLetterQueueUrl: await queue(`${PROCESSOR}-dlq`),
      onFailureQueueUrl: await queue(`${PROCESSOR}-on-failure`),
      alertsQueueUrl: await queue(`${PROCESSOR}-alerts.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'false' }),
      bucket,
      schemaIds,
      registryName: REGISTRY,
    };
  } finally {
    sqs.destroy();
    s3.destroy();
    dynamodb.destroy();
  }
}
