import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { KAFKA_LOG4J_CONFIG } from './kafka.js';
import { ensureMavenInstall, javaCommand, type MavenInstall, mainJarFirst, STACK_JVM_FLAGS } from './maven.js';
import { LOG_DIR, ROOT, STATE_DIR } from './paths.js';
import { logTail, waitUntil } from './processes.js';
import { runToLog, spawnService } from './supervised-process.js';
import { loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';

/**
 * A Kafka Connect worker in distributed mode (the mode Debezium runs in on
 * Fargate: configs, offsets and status in Kafka topics) with the Debezium
 * PostgreSQL connector on its plugin path, plus the few REST calls the local
 * stack makes.
 */

export interface LocalKafkaConnect {
  /** `http://127.0.0.1:<port>`, the worker's REST API. */
  readonly restUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Stops connectors and commits their offsets (SIGTERM), SIGKILL after 30 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartKafkaConnectOptions {
  readonly bootstrapServers: string;
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** Names the worker group and prefixes its three internal topics. @default `rtp-local-connect` */
  readonly groupId?: string;
  /** @default 512 */
  readonly heapMb?: number;
  /** @default 120 000 ms, after the install */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

/**
 * Connector settings the local broker needs: it creates no topic on first use
 * (auto.create.topics.enable=false, as on MSK), so the worker creates each
 * topic a source connector writes to, with one replica. One partition keeps a
 * table's changes in commit order across keys.
 */
export const LOCAL_TOPIC_CREATION = {
  'topic.creation.default.replication.factor': '1',
  'topic.creation.default.partitions': '1',
} as const;

const POM = fileURLToPath(new URL('./maven/kafka-connect/pom.xml', import.meta.url));
const MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectDistributed';
const PLUGIN_ARCHIVE = /^debezium-connector-postgres-.+-plugin\.tar\.gz$/;
const STOP_GRACE_MS = 30_000;
/** How much of a failed task's Java stack trace an error carries: the exception and its causes, without frames. */
const TRACE_LINES = 6;

export interface KafkaConnectInstall extends MavenInstall {
  /** The worker's `plugin.path`: one folder per plugin, each with its own jars. */
  readonly pluginPath: string;
}

/** Resolves the worker's jars and the Debezium plugin archive with Maven and unpacks the archive, once. */
export async function ensureKafkaConnectInstalled(options: { onProgress?: (line: string) => void } = {}): Promise<KafkaConnectInstall> {
  const install = await ensureMavenInstall({
    name: 'kafka-connect',
    pom: POM,
    order: mainJarFirst('connect-runtime-'),
    prepare: async (staging) => {
      const lib = join(staging, 'lib');
      const archive = (await readdir(lib)).find((f) => PLUGIN_ARCHIVE.test(f));
      if (archive === undefined) throw new LocalStackError(`Maven finished but the Debezium plugin archive is not in ${lib}.`, LocalStackErrorReason.FETCH_FAILED);
      const plugins = join(staging, 'plugins');
      await mkdir(plugins, { recursive: true });
      const logPath = join(LOG_DIR, 'kafka-connect-unpack.log');
      const exit = await runToLog('tar', ['-xzf', join(lib, archive), '-C', plugins], logPath, 120_000);
      if (exit !== 0) throw new LocalStackError(`Could not unpack ${archive} with tar (exit ${exit}); ${await logTail(logPath)}`, LocalStackErrorReason.FETCH_FAILED);
      // Off the worker's folder: the archive's jars must only be seen through plugin.path's isolated class loader.
      await rm(join(lib, archive));
      const unpacked = await readdir(join(plugins, 'debezium-connector-postgres')).catch(() => []);
      if (!unpacked.some((f) => f.startsWith('debezium-connector-postgres-') && f.endsWith('.jar'))) {
        throw new LocalStackError(`${archive} did not hold debezium-connector-postgres/debezium-connector-postgres-*.jar.`, LocalStackErrorReason.FETCH_FAILED);
      }
    },
    onProgress: options.onProgress,
  });
  return { ...install, pluginPath: join(install.dir, 'plugins') };
}

/** Starts a worker and resolves once its REST API lists the Debezium PostgreSQL connector. */
export async function startKafkaConnect(options: StartKafkaConnectOptions): Promise<LocalKafkaConnect> {
  const java = await javaCommand();
  const install = await ensureKafkaConnectInstalled({ onProgress: options.onProgress });
  return startOnFreePort((port) => startOnPort(java, install, port, options), { service: 'Kafka Connect', port: options.port, onProgress: options.onProgress });
}

async function startOnPort(java: string, install: KafkaConnectInstall, port: number, options: StartKafkaConnectOptions): Promise<LocalKafkaConnect> {
  const started = Date.now();
  // Distributed mode keeps connectors, offsets and status in Kafka: the properties are the worker's only file, removed when it stops.
  const propertiesPath = join(STATE_DIR, 'kafka-connect', `worker-${port}.properties`);
  await mkdir(dirname(propertiesPath), { recursive: true });
  await writeFile(propertiesPath, workerProperties(install, port, options));
  const service = await spawnService({
    logName: `kafka-connect-${port}`,
    command: java,
    args: [
      `-Xmx${options.heapMb ?? 512}m`,
      ...STACK_JVM_FLAGS,
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:+UseG1GC',
      // C1 only, as for the broker: the worker spends its life waiting on Postgres and Kafka.
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${KAFKA_LOG4J_CONFIG}`,
      '-cp',
      install.classpath,
      MAIN_CLASS,
      propertiesPath,
    ],
    cwd: install.dir,
    stopGraceMs: STOP_GRACE_MS,
  });
  const restUrl = `http://127.0.0.1:${port}`;
  try {
    // The plugin list, not a port probe: it is served once plugin scanning is done and the worker has joined its group.
    await waitUntil(async () => (await connectorPlugins(restUrl)).includes(POSTGRES_CONNECTOR_CLASS), {
      what: `Kafka Connect on ${restUrl} listing ${POSTGRES_CONNECTOR_CLASS}`,
      timeoutMs: options.startTimeoutMs ?? 120_000,
      process: service,
      pollMs: 250,
    });
  } catch (error) {
    await service.stop();
    await rm(propertiesPath, { force: true });
    // Jetty's `Failed to bind to /127.0.0.1:<port>` is followed by the worker's shutdown, out of the message's tail.
    if (await loggedBindFailure(service.logPath)) throw portInUse(`Kafka Connect could not listen on 127.0.0.1:${port}: the port is in use.`, error);
    throw error;
  }
  options.onProgress?.(`Kafka Connect: ${restUrl} (pid ${service.pid}) ready in ${Date.now() - started} ms, log ${relative(ROOT, service.logPath)}`);
  const stop = async (): Promise<void> => {
    await service.stop();
    await rm(propertiesPath, { force: true });
  };
  return { restUrl, port, pid: service.pid, stop };
}

function workerProperties(install: KafkaConnectInstall, port: number, options: StartKafkaConnectOptions): string {
  const group = options.groupId ?? 'rtp-local-connect';
  const lines = [
    '# Written by scripts/devstack/kafka-connect.ts on every start; edits are overwritten.',
    `bootstrap.servers=${options.bootstrapServers}`,
    `group.id=${group}`,
    `config.storage.topic=${group}-configs`,
    `offset.storage.topic=${group}-offsets`,
    `status.storage.topic=${group}-status`,
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    // 25 by default; one broker needs no spread.
    'offset.storage.partitions=5',
    'status.storage.partitions=1',
    // Plain JSON: what the pipeline's JSON decoder reads, and what Lambda's
    // schema-registry conversion also delivers. Connectors may override them.
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable=false',
    'value.converter.schemas.enable=false',
    `plugin.path=${install.pluginPath}`,
    // Plugins are found through their ServiceLoader manifests, which Debezium and Kafka's own
    // plugins have, instead of scanning every class (seconds at every start).
    'plugin.discovery=service_load',
    `listeners=http://127.0.0.1:${port}`,
    'rest.advertised.host.name=127.0.0.1',
    `rest.advertised.port=${port}`,
    // A restarted lone worker would otherwise wait up to 5 minutes before taking back its own tasks.
    'scheduled.rebalance.max.delay.ms=0',
    // Source offsets (Debezium's LSN) committed every 5 s rather than 60 s: a restart replays less.
    'offset.flush.interval.ms=5000',
  ];
  return `${lines.join('\n')}\n`;
}

/** Creates or updates a connector (PUT /connectors/<name>/config, idempotent). */
export async function registerConnector(restUrl: string, name: string, config: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<void> {
  const response = await connectRequest(restUrl, 'PUT', `/connectors/${encodeURIComponent(name)}/config`, { name, ...config }, timeoutMs);
  if (response.status >= 300) {
    throw new LocalStackError(`Kafka Connect refused connector ${name} (HTTP ${response.status}): ${errorMessage(response.body)}`, LocalStackErrorReason.CONNECTOR_REJECTED);
  }
}

/** Deletes a connector: its tasks stop, its offsets stay in the offsets topic. A connector that is not there is fine. */
export async function deleteConnector(restUrl: string, name: string, timeoutMs = 60_000): Promise<void> {
  const response = await connectRequest(restUrl, 'DELETE', `/connectors/${encodeURIComponent(name)}`, undefined, timeoutMs);
  if (response.status >= 300 && response.status !== 404) {
    throw new LocalStackError(`Kafka Connect refused to delete connector ${name} (HTTP ${response.status}): ${errorMessage(response.body)}`, LocalStackErrorReason.CONNECTOR_REJECTED);
  }
}

/** A REST call that is retried while the answer is 409 (the worker group is rebalancing) or 5xx (the worker is still joining it). */
async function connectRequest(restUrl: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<{ status: number; body: string }> {
  let answer: { status: number; body: string } | undefined;
  await waitUntil(
    async () => {
      const response = await fetch(`${restUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status === 409 || response.status >= 500) throw new Error(`HTTP ${response.status}: ${text}`);
      answer = { status: response.status, body: text };
      return true;
    },
    { what: `${method} ${restUrl}${path}`, timeoutMs, pollMs: 500 },
  );
  if (answer === undefined) throw new LocalStackError(`${method} ${restUrl}${path} had no answer.`, LocalStackErrorReason.REQUEST_FAILED);
  return answer;
}

export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: string; readonly worker_id: string; readonly trace?: string };
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly worker_id: string; readonly trace?: string }[];
}

/** GET /connectors/<name>/status; undefined while the worker does not know the connector (yet). Throws REQUEST_FAILED on any other error status (409 during a rebalance). */
export async function connectorStatus(restUrl: string, name: string): Promise<ConnectorStatus | undefined> {
  const response = await fetch(`${restUrl}/connectors/${encodeURIComponent(name)}/status`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new LocalStackError(`GET ${restUrl}/connectors/${name}/status: HTTP ${response.status}: ${await response.text()}`, LocalStackErrorReason.REQUEST_FAILED);
  return (await response.json()) as ConnectorStatus;
}

/**
 * Resolves once the connector and all its tasks are RUNNING; throws at the
 * first FAILED, with the exception and causes of its trace. RUNNING means the
 * task's start() returned, not that it streams: Debezium's PostgreSQL task
 * snapshots and streams on a thread of its own, and there retries errors
 * (such as a slot held by another connector) with the task still RUNNING.
 * Wait for its first record to know it streams.
 */
export async function waitForConnectorRunning(restUrl: string, name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
  let outcome: ConnectorStatus | LocalStackError | undefined;
  await waitUntil(
    async () => {
      const status = await connectorStatus(restUrl, name);
      if (status === undefined) return false;
      const failed = [{ what: 'connector', ...status.connector }, ...status.tasks.map((task) => ({ what: `task ${task.id}`, ...task }))].find((part) => part.state === 'FAILED');
      if (failed !== undefined) {
        // The frames would push the cause (`Caused by: … could not access file "decoderbufs"`) out of view.
        const causes = (failed.trace ?? '(no trace)').split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
        const trace = causes.slice(0, TRACE_LINES).join('\n');
        outcome = new LocalStackError(`Connector ${name}: ${failed.what} FAILED on ${failed.worker_id}:\n${trace}`, LocalStackErrorReason.CONNECTOR_FAILED);
        return true;
      }
      if (status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING')) outcome = status;
      return outcome !== undefined;
    },
    { what: `connector ${name} on ${restUrl} RUNNING`, timeoutMs, pollMs: 250 },
  );
  if (outcome instanceof LocalStackError) throw outcome;
  return outcome as ConnectorStatus;
}

async function connectorPlugins(restUrl: string): Promise<string[]> {
  const response = await fetch(`${restUrl}/connector-plugins`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) return [];
  return ((await response.json()) as { class: string }[]).map((plugin) => plugin.class);
}

/** Connect's error body is `{"error_code": 400, "message": "…"}`; the message alone reads better. */
function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}
