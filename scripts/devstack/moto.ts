import { isIP } from 'node:net';
import { join, relative } from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ROOT } from './paths.js';
import { waitUntil } from './processes.js';
import { spawnService } from './supervised-process.js';
import { isListening, loggedBindFailure, portInUse, startOnFreePort } from './free-port-start.js';
import { ensurePythonVenv, venvEnvironment, type PythonVenv } from './python-venv.js';
import { LocalStackError, LocalStackErrorReason } from './errors.js';

/**
 * moto's server: one process standing in for the AWS Glue Schema Registry
 * and S3 (and any other service moto implements) on 127.0.0.1. It serves
 * SQS too, but the local stack's SQS is ElasticMQ (elasticmq.ts).
 */
export interface Moto {
  /** `http://127.0.0.1:<port>`: an IP literal, which S3 clients need for path-style addressing (see `awsEnvironment`). */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** @default a free port chosen by the OS */
  readonly port?: number;
  /** @default 30 000 ms, after the venv install */
  readonly startTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

/**
 * Region and credentials for clients of moto. moto accepts any credentials
 * and keeps one state per account and region; these are the values its own
 * documentation uses, and every client of one run must use the same region.
 */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
} as const;


/**
 * The environment variables that point an AWS SDK v3 client, or a handler
 * that builds its clients with `new XClient({})`, at moto, and its SQS at
 * `sqsEndpoint` (ElasticMQ on the local stack; moto's own SQS when omitted):
 * the SDK reads `AWS_ENDPOINT_URL_<service id>` per service (GLUE, SQS, S3), and
 * `AWS_REGION` and the key pair from the environment. `AWS_DEFAULT_REGION`
 * is for the AWS CLI and boto3, which do not read `AWS_REGION` alike.
 *
 * S3 needs no path-style setting here, and the SDK would not read one from
 * the environment (it has no `AWS_S3_FORCE_PATH_STYLE`): with an IP-literal
 * endpoint its S3 endpoint rules address buckets by path on their own. With
 * a host name such as `localhost` they would use `<bucket>.localhost`, which
 * does not resolve, so such an endpoint is refused here; a client given
 * another host name needs `forcePathStyle: true`.
 */
export function awsEnvironment(endpoint: string, sqsEndpoint: string = endpoint): Record<string, string> {
  const { hostname } = new URL(endpoint);
  if (isIP(hostname.replace(/^\[|\]$/g, '')) === 0) {
    throw new LocalStackError(`awsEnvironment: the endpoint must use an IP address such as 127.0.0.1 so that S3 clients address buckets by path, got ${endpoint}`, LocalStackErrorReason.INVALID_OPTION);
  }
  return {
    AWS_ENDPOINT_URL_GLUE: endpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_DEFAULT_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  };
}

/** Starts moto's server, installing it first if needed, and resolves once it answers a real SQS call. */
export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const venv = await ensurePythonVenv({ onProgress: options.onProgress });
  return startOnFreePort((port) => startOnPort(venv, port, options), { service: 'moto', port: options.port, onProgress: options.onProgress });
}

async function startOnPort(venv: PythonVenv, port: number, options: StartMotoOptions): Promise<Moto> {
  // Otherwise the health check below could be answered by whatever holds the
  // port (say a moto left behind by a killed run) while ours fails to bind.
  if (await isListening(port)) {
    throw portInUse(`moto: 127.0.0.1:${port} is already in use by another process; stop it or choose another port.`);
  }
  const started = Date.now();
  const service = await spawnService({
    logName: `moto-${port}`,
    command: join(venv.bin, 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env: venvEnvironment(),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient({ endpoint, ...LOCAL_AWS, maxAttempts: 1 });
  try {
    // A real SQS call rather than a port probe: moto loads each service's backend on its first request.
    await waitUntil(
      async () => {
        await sqs.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
        return true;
      },
      { what: `moto on ${endpoint}`, timeoutMs: options.startTimeoutMs ?? 30_000, process: service },
    );
  } catch (error) {
    await service.stop();
    if (await loggedBindFailure(service.logPath)) throw portInUse(`moto could not listen on 127.0.0.1:${port}: the port is in use.`, error);
    throw error;
  } finally {
    sqs.destroy();
  }
  options.onProgress?.(`moto: ${endpoint} (pid ${service.pid}) ready in ${Date.now() - started} ms, log ${relative(ROOT, service.logPath)}`);
  return { endpoint, port, pid: service.pid, stop: () => service.stop() };
}
