import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { ensureMavenInstall, javaCommand, type MavenInstall, mainJarFirst, STACK_JVM_FLAGS } from './maven.js';
import { LOCAL_AWS } from './moto.js';
import { ROOT, STATE_DIR } from './paths.js';
import { waitUntil } from './processes.js';
import { spawnService } from './supervised-process.js';
import { isListening, loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';

/**
 * ElasticMQ: the local stack's SQS, on 127.0.0.1. moto serves SQS too, but
 * its FIFO sends slow down as a queue grows (seconds per batch over a few
 * thousand unread messages), which the processors' window announcements
 * would wait on; ElasticMQ keeps its speed. Queues live in memory only.
 */
export interface ElasticMq {
  /** `http://127.0.0.1:<port>`; queue URLs it hands out start with it. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  readonly logPath: string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartElasticMqOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** @default 256 */
  readonly heapMb?: number;
  /** @default 60 000 ms, after the install */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

const POM = fileURLToPath(new URL('./maven/elasticmq/pom.xml', import.meta.url));
const MAIN_CLASS = 'org.elasticmq.server.Main';
const SERVER_JAR = 'elasticmq-server_2.13-';
/** The account in the queue URLs and ARNs it hands out (ElasticMQ's own default). */
const ACCOUNT_ID = '000000000000';

/** Resolves ElasticMQ's jars with Maven, once. */
export function ensureElasticMqInstalled(options: { onProgress?: (line: string) => void } = {}): Promise<MavenInstall> {
  return ensureMavenInstall({
    name: 'elasticmq',
    pom: POM,
    order: mainJarFirst(SERVER_JAR),
    prepare: (staging, jars) => {
      if (!jars.some((f) => f.startsWith(SERVER_JAR))) {
        return Promise.reject(new LocalStackError(`Maven finished but no ${SERVER_JAR} jar is in ${staging}/lib.`, LocalStackErrorReason.FETCH_FAILED));
      }
      return Promise.resolve();
    },
    onProgress: options.onProgress,
  });
}

/** Starts ElasticMQ and resolves once it answers a real SQS call. */
export async function startElasticMq(options: StartElasticMqOptions = {}): Promise<ElasticMq> {
  const java = await javaCommand();
  const install = await ensureElasticMqInstalled({ onProgress: options.onProgress });
  return startOnFreePort((port) => startOnPort(java, install, port, options), { service: 'ElasticMQ', port: options.port, onProgress: options.onProgress });
}

/**
 * The server's configuration, over the defaults in its jar's reference.conf.
 * `node-address` is what queue URLs are built from, and the AWS SDK sends a
 * queue's requests to its URL, so it must be the address clients reach.
 * The statistics UI would listen on every interface: it is off.
 */
export function elasticMqConfig(port: number): string {
  return [
    `node-address { protocol = "http", host = "127.0.0.1", port = ${port}, context-path = "" }`,
    `rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
    'rest-stats { enabled = false }',
    'generate-node-address = false',
    // The region clients use, so queue ARNs match theirs.
    `aws { region = "${LOCAL_AWS.region}", accountId = "${ACCOUNT_ID}" }`,
    // Pekko HTTP cannot model the SDK's SigV4 authorization header and would log a warning for every request.
    'pekko.http.server.parsing.illegal-header-warnings = off',
    '',
  ].join('\n');
}

async function startOnPort(java: string, install: MavenInstall, port: number, options: StartElasticMqOptions): Promise<ElasticMq> {
  // Otherwise the health check below could be answered by whatever holds the port while ours fails to bind.
  if (await isListening(port)) {
    throw portInUse(`ElasticMQ: 127.0.0.1:${port} is already in use by another process; stop it or choose another port.`);
  }
  const configPath = join(STATE_DIR, 'elasticmq', `elasticmq-${port}.conf`);
  await mkdir(dirname(configPath), { recursive: true });
  await writeFile(configPath, elasticMqConfig(port));
  const started = Date.now();
  const service = await spawnService({
    logName: `elasticmq-${port}`,
    command: java,
    args: [
      `-Xmx${options.heapMb ?? 256}m`,
      ...STACK_JVM_FLAGS,
      '-XX:+ExitOnOutOfMemoryError',
      // Small heap, short-lived messages: the serial GC's pauses are short and it costs no threads.
      '-XX:+UseSerialGC',
      `-Dconfig.file=${configPath}`,
      '-cp',
      install.classpath,
      MAIN_CLASS,
    ],
    cwd: install.dir,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient({ endpoint, ...LOCAL_AWS, maxAttempts: 1 });
  try {
    await waitUntil(
      async () => {
        // A failed bind is logged but does not end the JVM: stopping it ends the wait at once instead of at the timeout.
        if (await loggedBindFailure(service.logPath)) {
          await service.stop();
          return false;
        }
        await sqs.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
        return true;
      },
      { what: `ElasticMQ on ${endpoint}`, timeoutMs: options.startTimeoutMs ?? 60_000, process: service },
    );
  } catch (error) {
    await service.stop();
    await rm(configPath, { force: true });
    if (await loggedBindFailure(service.logPath)) throw portInUse(`ElasticMQ could not listen on 127.0.0.1:${port}: the port is in use.`, error);
    throw error;
  } finally {
    sqs.destroy();
  }
  options.onProgress?.(`ElasticMQ: ${endpoint} (pid ${service.pid}) ready in ${Date.now() - started} ms, log ${relative(ROOT, service.logPath)}`);
  const stop = async (): Promise<void> => {
    await service.stop();
    await rm(configPath, { force: true });
  };
  return { endpoint, port, pid: service.pid, logPath: service.logPath, stop };
}
