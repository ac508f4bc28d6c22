import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { IHeaders, RetryOptions } from 'kafkajs';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { ensureMavenInstall, javaCommand, type MavenInstall, mainJarFirst, STACK_JVM_FLAGS } from './maven.js';
import { LOG_DIR, ROOT, STATE_DIR } from './paths.js';
import { logTail, waitUntil } from './processes.js';
import { runToLog, spawnService } from './supervised-process.js';
import { freePort, isListening, loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';

/**
 * A single-node Kafka (KRaft, broker and controller in one JVM) on loopback,
 * from the jars `maven/kafka/pom.xml` names. Its data survives restarts: the
 * log directory is formatted once and reused, and so are the ports when free.
 */

export interface LocalKafka {
  /** `127.0.0.1:<port>`, the one PLAINTEXT listener. */
  readonly bootstrapServers: string;
  readonly port: number;
  /** The KRaft controller listener; clients never use it. */
  readonly controllerPort: number;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Controlled shutdown (SIGTERM), SIGKILL after 30 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /** @default the port of the previous start on this `dataDir` if it is free, else one the OS chooses */
  readonly port?: number;
  /** @default as `port` */
  readonly controllerPort?: number;
  /** @default `.rtp/kafka/data` */
  readonly dataDir?: string;
  /** Delete `dataDir` first: a new cluster with no topics. @default false */
  readonly fresh?: boolean;
  /** @default 512 */
  readonly heapMb?: number;
  /** @default 90 000 ms, after the install */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

const POM = fileURLToPath(new URL('./maven/kafka/pom.xml', import.meta.url));
/** Shared with Kafka Connect: console only, so each JVM's output lands in its spawnService log. */
export const KAFKA_LOG4J_CONFIG = fileURLToPath(new URL('./kafka/log4j2.properties', import.meta.url));
const MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';
/** Ports and cluster id of the last start, so a restart keeps the address clients were given. */
const STATE_FILE = 'local-kafka.json';
// A clean shutdown moves partition leadership and flushes segments; killing it
// loses nothing acknowledged (the page cache survives) but costs log recovery
// on the next start.
const STOP_GRACE_MS = 30_000;

interface KafkaState {
  readonly clusterId: string;
  readonly port: number;
  readonly controllerPort: number;
}

/** Resolves the broker's jars with Maven, once. */
export function ensureKafkaInstalled(options: { onProgress?: (line: string) => void } = {}): Promise<MavenInstall> {
  return ensureMavenInstall({
    name: 'kafka',
    pom: POM,
    // Kafka's own jar first, then the rest.
    order: mainJarFirst('kafka_2.13-'),
    prepare: (staging, jars) => {
      if (!jars.some((f) => f.startsWith('kafka_2.13-'))) {
        return Promise.reject(new LocalStackError(`Maven finished but no kafka_2.13 jar is in ${staging}/lib.`, LocalStackErrorReason.FETCH_FAILED));
      }
      return Promise.resolve();
    },
    onProgress: options.onProgress,
  });
}

/** The broker's data folder in the stack's state: its log segments, metadata and format. */
export const KAFKA_DATA_DIR = join(STATE_DIR, 'kafka', 'data');

/** Starts the broker, formatting its storage on the first start, and resolves once it lists itself as the cluster's one broker. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<LocalKafka> {
  const java = await javaCommand();
  const install = await ensureKafkaInstalled({ onProgress: options.onProgress });
  const dataDir = options.dataDir ?? KAFKA_DATA_DIR;
  if (options.fresh === true) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const previous = await readState(dataDir);
  // The formatted storage is the truth; the state file only remembers the id if the log folder was deleted.
  const clusterId = (await formattedClusterId(dataDir)) ?? previous?.clusterId ?? newClusterId();
  // A port asked for is tried once; otherwise the previous start's ports first, then free ones.
  const explicit = options.port !== undefined || options.controllerPort !== undefined;
  return startOnFreePort<LocalKafka, readonly [number, number]>(([port, controllerPort]) => startOnPorts(java, install, { dataDir, clusterId, port, controllerPort, restart: previous !== undefined }, options), {
    service: 'Kafka',
    choose: (attempt) => choosePorts(options, attempt === 1 ? previous : undefined),
    ...(explicit ? { attempts: 1 } : {}),
    onProgress: options.onProgress,
  });
}

/**
 * A kafkajs client for the local broker, with retries that outlast a broker
 * restart (about 30 s in all, against kafkajs' default of about 10 s); the
 * idempotent producer sets its own, unlimited, retries.
 * Silent by default: kafkajs logs every retriable error response (a
 * coordinator still loading, a refused connection during a restart) at ERROR,
 * while every real failure reaches the caller as a rejected promise anyway.
 * Pass `logLevel: logLevel.WARN` to see them.
 */
export function kafkaClient(bootstrapServers: string, clientId: string, options: { logLevel?: logLevel; retry?: RetryOptions } = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: bootstrapServers.split(','),
    logLevel: options.logLevel ?? logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: options.retry ?? { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10 },
  });
}

/** One record as read back by {@link readTopic}. */
export interface TopicRecord {
  readonly partition: number;
  /** A string, as kafkajs gives it: offsets are 64-bit. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** The record's Kafka timestamp, epoch ms. */
  readonly timestamp: number;
}

/**
 * Reads a topic from the beginning up to its end as of the call, each
 * partition in offset order, with a throwaway consumer group. For topics
 * without transaction markers (a marker takes the last offset, so a
 * transactional topic's end is never reached as a record).
 */
export async function readTopic(bootstrapServers: string, topic: string, options: { timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  const client = kafkaClient(bootstrapServers, 'rtp-read-topic');
  const admin = client.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const records: TopicRecord[] = [];
  if (ends.size === 0) return records;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const consumer = client.consumer({ groupId: `rtp-read-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const behind = [...ends.keys()].join(', ');
        reject(new LocalStackError(`Read ${records.length} records of ${topic} in ${timeoutMs} ms; partition(s) ${behind} did not reach their end.`, LocalStackErrorReason.READ_TIMEOUT));
      }, timeoutMs);
      consumer
        .run({
          // A throwaway group: nothing to resume from.
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const end = ends.get(partition);
            if (end !== undefined && BigInt(message.offset) < end) {
              records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: Number(message.timestamp) });
              if (BigInt(message.offset) + 1n >= end) ends.delete(partition);
            }
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

interface Placement {
  readonly dataDir: string;
  readonly clusterId: string;
  readonly port: number;
  readonly controllerPort: number;
  /** The data dir held a broker before: append to its log rather than start it afresh. */
  readonly restart: boolean;
}

async function startOnPorts(java: string, install: MavenInstall, at: Placement, options: StartKafkaOptions): Promise<LocalKafka> {
  const started = Date.now();
  const propertiesPath = join(at.dataDir, 'server.properties');
  await writeFile(propertiesPath, serverProperties(at));
  await formatStorage(java, install, at, propertiesPath);
  // Written before the start: a restart after a crash still finds the ports to reuse.
  const state: KafkaState = { clusterId: at.clusterId, port: at.port, controllerPort: at.controllerPort };
  await writeFile(join(at.dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  const logName = `kafka-${at.port}`;
  // A restart appends to the log: only what this start writes can tell why it failed.
  const logStart = at.restart ? ((await stat(join(LOG_DIR, `${logName}.log`)).catch(() => undefined))?.size ?? 0) : 0;
  const service = await spawnService({
    logName,
    command: java,
    args: [...jvmArgs(options.heapMb ?? 512), '-cp', install.classpath, MAIN_CLASS, propertiesPath],
    cwd: at.dataDir,
    stopGraceMs: STOP_GRACE_MS,
    appendLog: at.restart,
  });
  const bootstrapServers = `127.0.0.1:${at.port}`;
  const admin = kafkaClient(bootstrapServers, 'rtp-local-health', { logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    // A cluster answer naming one broker: the broker has registered with its controller and serves requests.
    await waitUntil(
      async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length === 1 && cluster.clusterId === at.clusterId;
      },
      { what: `Kafka on ${bootstrapServers}`, timeoutMs: options.startTimeoutMs ?? 90_000, process: service, pollMs: 250 },
    );
  } catch (error) {
    await service.stop();
    // The bind error is followed by a hundred lines of shutdown, so the tail in the message does not show it.
    if (await loggedBindFailure(service.logPath, logStart)) throw portInUse(`Kafka could not listen on 127.0.0.1:${at.port} or :${at.controllerPort}: the port is in use.`, error);
    throw error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  options.onProgress?.(`Kafka: ${bootstrapServers} (pid ${service.pid}, cluster ${at.clusterId}) ready in ${Date.now() - started} ms, log ${relative(ROOT, service.logPath)}`);
  return { bootstrapServers, port: at.port, controllerPort: at.controllerPort, clusterId: at.clusterId, dataDir: at.dataDir, pid: service.pid, stop: () => service.stop() };
}

/** Combined broker + controller, loopback only, sized for one node. */
function serverProperties(at: Placement): string {
  const lines = [
    '# Written by scripts/devstack/kafka.ts on every start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    // A dynamic quorum (formatted with --standalone), which refuses controller.quorum.voters.
    `controller.quorum.bootstrap.servers=127.0.0.1:${at.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${at.port},CONTROLLER://127.0.0.1:${at.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${at.port},CONTROLLER://127.0.0.1:${at.controllerPort}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(at.dataDir, 'log')}`,
    // One broker: every internal topic has one replica, or it is never created.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // 50 partitions each by default; creating them delays the first consumer group and transaction by seconds.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.num.partitions=5',
    // Tests start a consumer and expect it to be assigned now, not after the default 3 s.
    'group.initial.rebalance.delay.ms=0',
    // As on MSK by default: topics are created on purpose, with their partitions and settings.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'default.replication.factor=1',
    'min.insync.replicas=1',
  ];
  return `${lines.join('\n')}\n`;
}

/** Formats the log directory once; `--ignore-formatted` makes it a no-op on a restart. */
async function formatStorage(java: string, install: MavenInstall, at: Placement, propertiesPath: string): Promise<void> {
  if ((await formattedClusterId(at.dataDir)) !== undefined) return; // saves a JVM start on every restart
  const logPath = join(LOG_DIR, 'kafka-format.log');
  const args = ['-Xmx128m', ...STACK_JVM_FLAGS, `-Dlog4j2.configurationFile=${KAFKA_LOG4J_CONFIG}`, '-cp', install.classpath, STORAGE_TOOL, 'format', '--cluster-id', at.clusterId, '--config', propertiesPath, '--standalone', '--ignore-formatted'];
  const exit = await runToLog(java, args, logPath, 120_000);
  if (exit !== 0) throw new LocalStackError(`Kafka storage format failed (exit ${exit}) for ${at.dataDir}; ${await logTail(logPath)}`, LocalStackErrorReason.START_FAILED);
}

function jvmArgs(heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    ...STACK_JVM_FLAGS,
    '-XX:+ExitOnOutOfMemoryError',
    // As kafka-run-class.sh: G1 with short pauses.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    // C1 only: starts in about 4 s instead of 6.5 s on two cores and keeps ~40 MB
    // less resident; a local broker's load is far below what C1 code handles.
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${KAFKA_LOG4J_CONFIG}`,
  ];
}

/** The cluster id in `meta.properties`, which exists once the storage is formatted. */
async function formattedClusterId(dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'log', 'meta.properties'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim();
}

/**
 * What `kafka-storage random-uuid` prints: 16 random bytes, URL-safe base64
 * without padding. Made here to save a JVM start; like Kafka, never with a
 * leading '-', which its command-line parsers would take for an option.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function readState(dataDir: string): Promise<KafkaState | undefined> {
  try {
    const state = JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as Partial<KafkaState>;
    if (typeof state.clusterId !== 'string' || typeof state.port !== 'number' || typeof state.controllerPort !== 'number') return undefined;
    return state as KafkaState;
  } catch {
    return undefined;
  }
}

/** Explicit ports win; then the previous start's, unless something listens there; then the OS's choice. */
async function choosePorts(options: StartKafkaOptions, previous: KafkaState | undefined): Promise<[number, number]> {
  const reuse = async (port: number | undefined): Promise<number | undefined> => (port !== undefined && !(await isListening(port)) ? port : undefined);
  const port = options.port ?? (await reuse(previous?.port)) ?? (await freePort());
  let controllerPort = options.controllerPort ?? (await reuse(previous?.controllerPort));
  while (controllerPort === undefined || controllerPort === port) controllerPort = await freePort();
  return [port, controllerPort];
}
