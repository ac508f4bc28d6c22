import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { ensureMavenInstall, javaCommand, type MavenInstall, mainJarFirst, STACK_JVM_FLAGS } from './maven.js';
import { ROOT, STATE_DIR } from './paths.js';
import { waitUntil } from './processes.js';
import { spawnService } from './supervised-process.js';
import { loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';

export interface DynamoDbLocal {
  /** Always loopback, although the server itself listens on every interface (it has no bind option). */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** @default true, unless `dataDir` is given (DynamoDB Local refuses both) */
  readonly inMemory?: boolean;
  /** @default `.rtp/dynamodb-local/data` when `inMemory` is false */
  readonly dataDir?: string;
  /** @default 512 */
  readonly heapMb?: number;
  /** @default 60 000 ms, after the install */
  readonly startTimeoutMs?: number;
  /**
   * How the JVM compiles: 'long-run' lets the optimising compiler (C2) in,
   * for a server that takes load for minutes; 'fast-start' stops at C1,
   * which starts about a second sooner and suits a test server that serves
   * a few hundred requests.
   * @default 'long-run'
   */
  readonly jit?: 'long-run' | 'fast-start';
  readonly onProgress?: (line: string) => void;
}

/** DynamoDB Local rejects access keys that are not alphanumeric (UnrecognizedClientException). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

const POM = fileURLToPath(new URL('./maven/dynamodb-local/pom.xml', import.meta.url));
const MAIN_CLASS = 'software.amazon.dynamodb.services.local.main.ServerRunner';

// The Maven artifact that matches this machine. DynamoDB Local's own loader only
// looks for the plain name `libsqlite4java.so`, so the file is copied under that name.
const NATIVE_ARTIFACT: Partial<Record<string, { artifact: string; fileName: string }>> = {
  'linux-x64': { artifact: 'libsqlite4java-linux-amd64', fileName: 'libsqlite4java.so' },
};

export interface DynamoDbLocalInstall extends MavenInstall {
  /** Holds `libsqlite4java.so` when Maven has one for this platform; otherwise DynamoDB Local extracts its bundled copy to the temp folder. */
  readonly libraryPath: string;
}

/** Resolves DynamoDB Local and its native SQLite library with Maven, once. */
export async function ensureDynamoDbLocalInstalled(options: { onProgress?: (line: string) => void } = {}): Promise<DynamoDbLocalInstall> {
  const install = await ensureMavenInstall({
    name: 'dynamodb-local',
    pom: POM,
    // The server's own jar first, then the rest.
    order: mainJarFirst('DynamoDBLocal-'),
    prepare: async (staging, jars) => {
      if (!jars.some((f) => f.startsWith('DynamoDBLocal-'))) {
        throw new LocalStackError(`Maven finished but no DynamoDBLocal jar is in ${staging}/lib.`, LocalStackErrorReason.FETCH_FAILED);
      }
      const native = join(staging, 'native');
      await mkdir(native, { recursive: true });
      const wanted = NATIVE_ARTIFACT[`${process.platform}-${process.arch}`];
      const source = wanted === undefined ? undefined : (await readdir(join(staging, 'lib'))).find((f) => f.startsWith(`${wanted.artifact}-`));
      if (wanted !== undefined && source !== undefined) await copyFile(join(staging, 'lib', source), join(native, wanted.fileName));
    },
    onProgress: options.onProgress,
  });
  return { ...install, libraryPath: join(install.dir, 'native') };
}

/** The stack's DynamoDB Local data folder, when it is not in memory. */
export const DYNAMODB_DATA_DIR = join(STATE_DIR, 'dynamodb-local', 'data');

/** Starts DynamoDB Local and resolves once it answers a real ListTables call. */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = await javaCommand();
  const install = await ensureDynamoDbLocalInstalled({ onProgress: options.onProgress });
  return startOnFreePort((port) => startOnPort(java, install, port, options), { service: 'DynamoDB Local', port: options.port, onProgress: options.onProgress });
}

async function startOnPort(java: string, install: DynamoDbLocalInstall, port: number, options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const inMemory = options.inMemory ?? options.dataDir === undefined;
  const dataDir = options.dataDir ?? DYNAMODB_DATA_DIR;
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const args = [
    `-Xmx${options.heapMb ?? 512}m`,
    ...STACK_JVM_FLAGS,
    '-XX:+ExitOnOutOfMemoryError',
    ...(options.jit === 'fast-start' ? ['-XX:TieredStopAtLevel=1'] : []),
    // One request at a time mostly, on a small heap: the serial GC's pauses are short and it costs no threads.
    '-XX:+UseSerialGC',
    // Checked before DynamoDB Local extracts its bundled library into /tmp, which
    // it would otherwise do on every start (and leave behind when killed).
    `-Dorg.sqlite.lib.path=${install.libraryPath}`,
    `-Djava.library.path=${install.libraryPath}`,
    '-cp',
    install.classpath,
    MAIN_CLASS,
    ...(inMemory ? ['-inMemory'] : ['-dbPath', dataDir]),
    '-sharedDb', // one database whatever the credentials and region, so every client sees the same tables
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  const started = Date.now();
  const service = await spawnService({ logName: `dynamodb-local-${port}`, command: java, args, cwd: install.dir });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    // ListTables, not a port probe: the SQLite native library is only loaded on the first request.
    await waitUntil(
      async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        return true;
      },
      { what: `DynamoDB Local on ${endpoint}`, timeoutMs: options.startTimeoutMs ?? 60_000, process: service },
    );
  } catch (error) {
    await service.stop();
    if (await loggedBindFailure(service.logPath)) throw portInUse(`DynamoDB Local could not listen on 127.0.0.1:${port}: the port is in use.`, error);
    throw error;
  } finally {
    client.destroy();
  }
  options.onProgress?.(`DynamoDB Local: ${endpoint} (pid ${service.pid}) ready in ${Date.now() - started} ms, log ${relative(ROOT, service.logPath)}`);
  return { endpoint, port, pid: service.pid, stop: () => service.stop() };
}
