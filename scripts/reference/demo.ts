import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { CachedSchemaRegistry } from '../../functions/core/serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../../functions/core/serde/glue-schema-registry-client.js';
import { RecordDecoder } from '../../functions/core/serde/record-decoder.js';
import { subjectSchema } from '../../functions/core/serde/subject-schema.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { orderAnalytics } from '../../functions/order-analytics/definition.js';
import { LocalStackError, LocalStackErrorReason } from '../devstack/errors.js';
import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';
import { kafkaClient } from '../devstack/kafka.js';
import { awsEnvironment, LOCAL_AWS } from '../devstack/moto.js';
import type { ServicePort } from '../devstack/ports.js';
import { isAlive } from '../devstack/supervised-process.js';
import { readStackState } from '../devstack/stack-supervisor.js';
import { startStack, type StackEndpoints } from '../devstack/stack.js';
import { startProcessor, type RunningProcessor } from '../lambda-emulator/processor-runner.js';
import type { InvokeLine } from '../lambda-emulator/run-processor.js';
import { PIPELINE_TOPIC_PARTITIONS } from './connectors.js';
import { consumeQueue, consumerLag, lateEventIdOf, readDeadLetters } from './demo-results.js';
import { latenessRulesOf } from './planned-lateness.js';
import { provisionPipeline, type ProvisionedPipeline } from './provision.js';
import { reconcile } from './reconcile.js';
import { formatReport, percentile } from './report.js';
import { RETAIL_DATABASE } from './retail-database.js';
import { revenueByStoreMinute, stockBySkuLocation } from './retail-repository.js';
import { runWorkload } from './run-workload.js';
import { TokenBucket } from './token-bucket.js';
import { plannedLateOrders, planWorkload, type OrderSchemaVersion, type WorkloadStep } from './workload.js';

export interface DemoOptions {
  /** Business events the workload writes. @default 20 000 */
  readonly events?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Event-time density of the workload: fewer events per second spread a run over more windows. @default the workload's 40 */
  readonly eventsPerSecond?: number;
  /** Partitions of each input topic. @default 3 */
  readonly partitions?: number;
  /** Processes of each processor, in one consumer group; at most `partitions`, since a process without a partition has nothing to do. @default 1 */
  readonly instances?: number;
  /** @default the stack's fixed ports (see ports.ts) */
  readonly ports?: Record<ServicePort, number>;
  readonly write: (line: string) => void;
  /** Writes the workload at this many steps per second (a token bucket) rather than as fast as Postgres takes it. */
  readonly ratePerSec?: number;
  /** For measurements: each workload step, called once it is committed. */
  readonly onStep?: (done: number, step: WorkloadStep) => void;
  /** For measurements: each invocation of either processor, called as its summary arrives. */
  readonly onInvoke?: (line: InvokeLine) => void;
  /** For measurements: called once the processors have caught up, before the report, with the stack still up. */
  readonly onDrained?: (stack: { readonly endpoints: StackEndpoints; readonly pipeline: ProvisionedPipeline }) => Promise<void>;
}

const PROCESSORS = ['inventory-projector', 'order-analytics'] as const;
const DRAIN_TIMEOUT_MS = 15 * 60_000;

/**
 * `rtp demo`, which `npm start` runs: a fresh local stack, the retail
 * pipeline provisioned on it, both processors running as local Lambdas
 * behind local event source mappings, the retail workload written to
 * Postgres (and a few poison records to Kafka), live progress, and a report
 * that ends with the reconciliation of Postgres against DynamoDB.
 */
export async function runDemo(options: DemoOptions): Promise<{ differences: number }> {
  const { write } = options;
  const running = await readStackState();
  if (running !== undefined && isAlive(running.supervisorPid)) {
    throw new LocalStackError('A local stack started with `rtp local up` is running on the same ports and data; stop it with `rtp local down` first (the demo starts its own, fresh).', LocalStackErrorReason.PORT_IN_USE);
  }
  write('starting the local stack (the first run downloads Kafka, Debezium, DynamoDB Local, ElasticMQ and moto; a few minutes)');
  const instances = options.instances ?? 1;
  const partitions = options.partitions ?? PIPELINE_TOPIC_PARTITIONS;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ReferenceInputError(`partitions must be a positive whole number, got ${partitions}`, ReferenceInputErrorReason.INVALID_INPUT);
  }
  if (!Number.isInteger(instances) || instances < 1 || instances > partitions) {
    throw new ReferenceInputError(`instances must be a whole number from 1 to the ${partitions} partitions (a process without a partition has nothing to do), got ${instances}`, ReferenceInputErrorReason.INVALID_INPUT);
  }
  const stack = await startStack({ fresh: true, database: RETAIL_DATABASE, ports: options.ports, onProgress: (line) => write(`  ${line}`) });
  const processors: RunningProcessor[] = [];
  let alertsConsumer: { stop(): Promise<void> } | undefined;
  const postgres = new pg.Client({ connectionString: stack.endpoints.postgres.connectionString });
  try {
    const pipeline = await provisionPipeline(stack.endpoints, { partitions, onProgress: (line) => write(`  ${line}`) });
    const aws = awsEnvironment(stack.endpoints.moto.endpoint, stack.endpoints.elasticmq.endpoint);
    const invocations: InvokeLine[] = [];
    for (const name of PROCESSORS) {
      const p = pipeline.processors[name];
      // Several processes of one processor share its consumer group, and so its partitions, as concurrent Lambdas of one mapping do.
      for (let instance = 0; instance < instances; instance += 1) {
        processors.push(
          await startProcessor({
            processor: name,
            ...(instances === 1 ? {} : { instance }),
            onInvoke: (line) => {
              invocations.push(line);
              options.onInvoke?.(line);
            },
            env: {
              ...aws,
              AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb.endpoint,
              STATE_TABLE_NAME: p.stateTable,
              INPUT_PARTITIONS: String(p.partitions),
              SCHEMA_REGISTRY_NAME: pipeline.registryName,
              DEAD_LETTER_QUEUE_URL: p.deadLetterQueueUrl,
              DEAD_LETTER_BUCKET: pipeline.deadLetterBucket,
              ...(name === 'order-analytics' ? { EMIT_QUEUE_URL: pipeline.alertsQueueUrl } : {}),
              RTP_KAFKA_BOOTSTRAP_SERVERS: stack.endpoints.kafka.bootstrapServers,
              RTP_ESM_TOPICS: p.inputTopic,
              RTP_ESM_ON_FAILURE_QUEUE_URL: p.onFailureQueueUrl,
              POWERTOOLS_LOG_LEVEL: 'WARN',
              POWERTOOLS_METRICS_DISABLED: 'true',
              POWERTOOLS_TRACE_ENABLED: 'false',
            },
          }),
        );
      }
      write(`  ${name}: running as ${instances === 1 ? 'a local Lambda' : `${instances} local Lambdas in one consumer group`} on ${p.inputTopic} (${p.partitions} partitions)`);
    }

    const events = options.events ?? 20_000;
    const steps = planWorkload({ events, seed: options.seed ?? 1, startAt: Date.now() - 60_000, eventsPerSecond: options.eventsPerSecond });
    const kafka = kafkaClient(stack.endpoints.kafka.bootstrapServers, 'rtp-demo');
    const producer = kafka.producer({ idempotent: true });
    const admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect(), postgres.connect()]);
    const orderSchemaIds = new Map<OrderSchemaVersion, string>(
      ([1, 2, 3] as const).map((v) => [v, pipeline.schemaVersionIds.get('orders')?.get(v) ?? '']),
    );
    /** Both processors' lag and their topics' end offsets, in one round of offset requests. */
    const lagOf = async (): Promise<{ lag: number; end: number }> => {
      const total = { lag: 0, end: 0 };
      for (const name of PROCESSORS) {
        const { lag, end } = await consumerLag(admin, `rtp-${name}`, [pipeline.processors[name].inputTopic]);
        total.lag += lag;
        total.end += end;
      }
      return total;
    };
    const sqs = new SQSClient({ endpoint: stack.endpoints.elasticmq.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials });
    // Alerts are read as they come, as a downstream consumer would, so the queue holds what one would see.
    const alertBodies: string[] = [];
    alertsConsumer = consumeQueue(sqs, pipeline.alertsQueueUrl, (bodies) => alertBodies.push(...bodies));
    const deadLettered = async (): Promise<number> => {
      let total = 0;
      for (const name of PROCESSORS) {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: pipeline.processors[name].deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
        total += Number(Attributes?.ApproximateNumberOfMessages ?? 0);
      }
      return total;
    };
    const progress = async (produced: number): Promise<void> => {
      const processed = invocations.filter((i) => i.result === 'SUCCESS').reduce((n, i) => n + i.records, 0);
      const samples = invocations.flatMap((i) => i.latenciesMs);
      write(
        `  produced ${produced}/${steps.length}, processed ${processed}, lag ${(await lagOf()).lag}, dead letters ${await deadLettered()}, ` +
          `latency p50 ${Math.round(percentile(samples, 50)) || 0} ms p99 ${Math.round(percentile(samples, 99)) || 0} ms`,
      );
    };

    const paced = options.ratePerSec === undefined ? '' : ` at ${options.ratePerSec} steps/s`;
    write(`writing the retail workload: ${steps.length} steps from ${events} events (seed ${options.seed ?? 1})${paced}`);
    const started = Date.now();
    let lastReport = Date.now();
    const workload = await runWorkload(steps, {
      postgres,
      producer,
      orderSchemaIds,
      // Bursts of at most a tenth of a second's steps, so a slow commit is caught up without flooding.
      ...(options.ratePerSec === undefined ? {} : { pacer: new TokenBucket(options.ratePerSec, Math.max(1, Math.ceil(options.ratePerSec / 10))) }),
      onStep: (done, step) => {
        options.onStep?.(done, step);
        if (Date.now() - lastReport > 3_000) {
          lastReport = Date.now();
          void progress(done);
        }
      },
    });

    const producerDoneAt = Date.now();
    const behind = (await lagOf()).lag;
    write(behind === 0 ? 'the processors kept up with the producer' : `waiting for the processors to catch up (${behind} records behind)`);
    const expected =
      workload.movements + workload.corrections + steps.filter((s) => s.kind === 'movement-delete').length + workload.orders + workload.republished + workload.poison;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (let quiet = 0; quiet < 3; ) {
      const { lag, end } = await lagOf();
      quiet = lag === 0 && end >= expected ? quiet + 1 : 0;
      if (Date.now() > deadline) throw new LocalStackError(`The processors had not caught up after ${DRAIN_TIMEOUT_MS / 60_000} minutes (lag ${lag}, ${end} of ${expected} records)`, LocalStackErrorReason.START_TIMEOUT);
      await progress(workload.steps);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const elapsedMs = Date.now() - started;
    const backlog = { records: behind, drainMs: behind === 0 ? 0 : Date.now() - producerDoneAt };
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    await options.onDrained?.({ endpoints: stack.endpoints, pipeline });

    const s3 = new S3Client({ endpoint: stack.endpoints.moto.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials, forcePathStyle: true });
    const decoder = new RecordDecoder({
      registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue: new GlueClient({ endpoint: stack.endpoints.moto.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials }), registryName: pipeline.registryName })),
      readerSchema: subjectSchema('orders'),
    });
    const byReason: Record<string, number> = {};
    const deadLetteredLate = new Set<string>();
    for (const name of PROCESSORS) {
      // Dead letters are at least once (written before the commit that passes them, so a retried
      // commit can write one again): a record counts once, whatever its copies.
      const letters = new Map((await readDeadLetters(sqs, s3, pipeline.processors[name].deadLetterQueueUrl)).map((l) => [`${l.topic}/${l.partition}/${l.offset}`, l]));
      for (const letter of letters.values()) {
        byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
        if (name === 'order-analytics' && letter.reason === 'LATE_EVENT') deadLetteredLate.add(await lateEventIdOf(letter, decoder));
      }
    }
    await alertsConsumer.stop();
    alertsConsumer = undefined;
    // One alert per window: FIFO deduplication covers 5 minutes, so a close retried later than that
    // after its announcement was consumed can show twice here, as it could on SQS.
    const alerts = new Set(alertBodies.map((body) => {
      const { view, key, windowStart } = JSON.parse(body) as { view: string; key: string; windowStart: number };
      return `${view}|${key}|${windowStart}`;
    })).size;
    const dynamodb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials });
    const items = [];
    for (const name of PROCESSORS) items.push(...(await new DynamoDbStateStore({ client: dynamodb, tableName: pipeline.processors[name].stateTable }).scanAll()).map((i) => i.body));
    // Which orders are late is the plan's answer, not the pipeline's: the dead letters are compared with it.
    const orders = pipeline.processors['order-analytics'];
    const plannedLate = plannedLateOrders(steps, { partitions: orders.partitions, rules: latenessRulesOf(orderAnalytics({ partitions: orders.partitions })) });
    const reconciliation = reconcile({ stock: await stockBySkuLocation(postgres), revenue: await revenueByStoreMinute(postgres), items, plannedLate, deadLetteredLate });
    const processed = invocations.filter((i) => i.result === 'SUCCESS').reduce((n, i) => n + i.records, 0);
    for (const line of formatReport({ produced: workload.steps, processed, elapsedMs, backlog, latenciesMs: invocations.flatMap((i) => i.latenciesMs), deadLettersByReason: byReason, alerts, reconciliation })) write(line);
    return { differences: reconciliation.differences.length };
  } finally {
    await alertsConsumer?.stop().catch(() => undefined);
    await postgres.end().catch(() => undefined);
    for (const processor of processors) await processor.stop().catch(() => undefined);
    await stack.stop();
  }
}
