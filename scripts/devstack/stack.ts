import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DYNAMODB_DATA_DIR, startDynamoDbLocal, ensureDynamoDbLocalInstalled } from './dynamodb-local.js';
import { ensureElasticMqInstalled, startElasticMq } from './elasticmq.js';
import { ensureKafkaConnectInstalled, startKafkaConnect } from './kafka-connect.js';
import { ensureKafkaInstalled, KAFKA_DATA_DIR, startKafka } from './kafka.js';
import { startMoto } from './moto.js';
import { LOG_DIR, STATE_VERSIONS_FILE } from './paths.js';
import { stackPorts, type ServicePort } from './ports.js';
import { migrate } from './postgres-migrations.js';
import { removePostgresData, startPostgres } from './postgres.js';
import { ensurePythonVenv } from './python-venv.js';

/** The services of the local stack, in the order they start. */
export const STACK_SERVICES = ['postgres', 'kafka', 'dynamodb', 'moto', 'elasticmq', 'kafka-connect'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

/** Where each service of a running stack is, as `.rtp/stack.json` records it. */
export interface StackEndpoints {
  readonly postgres: { readonly connectionString: string; readonly port: number; readonly pid: number | undefined; readonly logPath: string };
  readonly kafka: { readonly bootstrapServers: string; readonly port: number; readonly pid: number; readonly logPath: string };
  readonly dynamodb: { readonly endpoint: string; readonly port: number; readonly pid: number; readonly logPath: string };
  /** The Glue Schema Registry and S3. */
  readonly moto: { readonly endpoint: string; readonly port: number; readonly pid: number; readonly logPath: string };
  /** SQS: moto's FIFO sends slow to seconds as a queue grows, ElasticMQ's do not (scripts/devstack/README.md). */
  readonly elasticmq: { readonly endpoint: string; readonly port: number; readonly pid: number; readonly logPath: string };
  readonly 'kafka-connect': { readonly restUrl: string; readonly port: number; readonly pid: number; readonly logPath: string };
}

export interface RunningStack {
  readonly endpoints: StackEndpoints;
  /** Stops every service, the last started first; resolves once all have exited. */
  stop(): Promise<void>;
}

/**
 * The database the stack's Postgres serves its user: created if missing,
 * and brought up to date with its migrations on every start. The caller's
 * to name (the local stack knows no schema of its own).
 */
export interface StackDatabase {
  readonly name: string;
  /** A folder of `NNNN_name.sql` files (see postgres-migrations.ts). */
  readonly migrationsDir: string;
}

export interface StartStackOptions {
  /** The database `endpoints.postgres.connectionString` names. */
  readonly database: StackDatabase;
  /** Wipe Kafka, Postgres and DynamoDB data first. @default false: state survives restarts */
  readonly fresh?: boolean;
  /** @default the fixed ports of `ports.ts`, moved by RTP_PORT_* variables */
  readonly ports?: Record<ServicePort, number>;
  readonly onProgress?: (line: string) => void;
}

/**
 * Deletes the data of Kafka, Postgres and DynamoDB Local, wherever it is:
 * Postgres's data may be placed outside the project (postgres-placement.ts),
 * and goes too. Downloads and logs stay.
 */
export async function wipeStackData(onProgress?: (line: string) => void): Promise<void> {
  await removePostgresData(undefined, onProgress);
  await rm(KAFKA_DATA_DIR, { recursive: true, force: true });
  await rm(DYNAMODB_DATA_DIR, { recursive: true, force: true });
  // The recorded state versions name tables of the data just wiped.
  await rm(STATE_VERSIONS_FILE, { force: true });
}

/**
 * Starts the whole local stack: Postgres (with `database` created and migrated),
 * Kafka, DynamoDB Local, moto and ElasticMQ side by side, then Kafka Connect on the
 * broker. Downloads happen first, one at a time, because Maven's local
 * repository is not safe for concurrent writers. If any service fails to
 * start, those already started are stopped before the error is thrown.
 */
export async function startStack(options: StartStackOptions): Promise<RunningStack> {
  const progress = options.onProgress ?? (() => undefined);
  const ports = options.ports ?? stackPorts();
  await ensureKafkaInstalled({ onProgress: progress });
  await ensureKafkaConnectInstalled({ onProgress: progress });
  await ensureDynamoDbLocalInstalled({ onProgress: progress });
  await ensureElasticMqInstalled({ onProgress: progress });
  await ensurePythonVenv({ onProgress: progress });

  if (options.fresh === true) await wipeStackData(progress);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const started = await Promise.allSettled([
      startPostgres({ port: ports.postgres, database: options.database.name, onProgress: progress }),
      startKafka({ port: ports.kafka, controllerPort: ports.kafkaController, onProgress: progress }),
      startDynamoDbLocal({ port: ports.dynamodb, inMemory: false, dataDir: DYNAMODB_DATA_DIR, onProgress: progress }),
      startMoto({ port: ports.moto, onProgress: progress }),
      startElasticMq({ port: ports.elasticmq, onProgress: progress }),
    ]);
    for (const outcome of started) if (outcome.status === 'fulfilled') stops.push(() => outcome.value.stop());
    const failure = started.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const [postgres, kafka, dynamodb, moto, elasticmq] = started.map((o) => (o as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startPostgres>>,
      Awaited<ReturnType<typeof startKafka>>,
      Awaited<ReturnType<typeof startDynamoDbLocal>>,
      Awaited<ReturnType<typeof startMoto>>,
      Awaited<ReturnType<typeof startElasticMq>>,
    ];
    const applied = await migrate(postgres.connectionString, options.database.migrationsDir);
    if (applied.applied.length > 0) progress(`postgres: migrations applied: ${applied.applied.join(', ')}`);
    const connect = await startKafkaConnect({ bootstrapServers: kafka.bootstrapServers, port: ports.kafkaConnect, onProgress: progress });
    stops.push(() => connect.stop());
    const log = (name: string, port: number): string => join(LOG_DIR, `${name}-${port}.log`);
    return {
      endpoints: {
        postgres: { connectionString: postgres.connectionString, port: postgres.port, pid: postgres.pid, logPath: postgres.logPath },
        kafka: { bootstrapServers: kafka.bootstrapServers, port: kafka.port, pid: kafka.pid, logPath: log('kafka', kafka.port) },
        dynamodb: { endpoint: dynamodb.endpoint, port: dynamodb.port, pid: dynamodb.pid, logPath: log('dynamodb-local', dynamodb.port) },
        moto: { endpoint: moto.endpoint, port: moto.port, pid: moto.pid, logPath: log('moto', moto.port) },
        elasticmq: { endpoint: elasticmq.endpoint, port: elasticmq.port, pid: elasticmq.pid, logPath: elasticmq.logPath },
        'kafka-connect': { restUrl: connect.restUrl, port: connect.port, pid: connect.pid, logPath: log('kafka-connect', connect.port) },
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
