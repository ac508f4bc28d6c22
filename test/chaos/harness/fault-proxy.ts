/**
 * An HTTP proxy on loopback in front of one local service (DynamoDB Local,
 * ElasticMQ's SQS), through which a processor's SDK client is pointed with
 * AWS_ENDPOINT_URL_<SERVICE>. It injects faults at the wire, where AWS's own
 * would arise, so the SDK's retries, the handler and the mapping all meet
 * them as they would on AWS, and the processor's code knows nothing of the
 * test:
 * - `reject`: answer with an AWS error before the service sees the request
 *   (throttling, a 5xx);
 * - `lose-response`: let the service apply the request, then answer with an
 *   error instead of its result (the nastiest 5xx: the write happened, the
 *   caller was told it did not);
 * - `outage()`: stop listening and cut every open connection, as a stopped
 *   service would, until `restore()`.
 * An `afterForward` hook runs once the service has answered and before the
 * caller gets the answer, which is where a test kills the caller to crash it
 * between a commit and its acknowledgement.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ProxiedRequest {
  /** `X-Amz-Target` without its service prefix, e.g. `TransactWriteItems` or `SendMessageBatch`; `''` when absent. */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
}

export interface AwsErrorAnswer {
  readonly status: number;
  /** The AWS JSON protocol's error type, e.g. `com.amazonaws.dynamodb.v20120810#ThrottlingException`. */
  readonly type: string;
  readonly message: string;
  /** Extra fields of the error document, e.g. CancellationReasons. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type FaultDecision =
  | { readonly kind: 'pass' }
  | ({ readonly kind: 'reject' } & AwsErrorAnswer)
  | ({ readonly kind: 'lose-response' } & AwsErrorAnswer);

export const PASS: FaultDecision = { kind: 'pass' };

export interface FaultProxyOptions {
  /** The service, e.g. `http://127.0.0.1:8000`. */
  readonly target: string;
  /** @default every request passes */
  readonly decide?: (request: ProxiedRequest) => FaultDecision;
  /** After the service answered a passed request, before the caller gets the answer. */
  readonly afterForward?: (request: ProxiedRequest, status: number) => void | Promise<void>;
}

export interface FaultCounts {
  readonly requests: number;
  readonly rejected: number;
  readonly responsesLost: number;
  /** Connections refused or cut during outages. */
  readonly refused: number;
}

export class FaultProxy {
  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly counts = { requests: 0, rejected: 0, responsesLost: 0, refused: 0 };
  private readonly target: URL;

  public constructor(private readonly options: FaultProxyOptions) {
    this.target = new URL(options.target);
  }

  /** Listens on a free loopback port; after an outage, on the same one again. */
  public async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.handle({ operation: operationOf(req.headers), method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks) }, req.headers, res);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address');
    this.port = address.port;
    this.server = server;
    return this.endpoint;
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public get faults(): FaultCounts {
    return { ...this.counts };
  }

  /** The service is gone: new connections are refused, open ones cut. */
  public async outage(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.counts.refused += this.sockets.size;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  public async restore(): Promise<void> {
    if (this.server === undefined) await this.start();
  }

  public stop(): Promise<void> {
    return this.outage();
  }

  private async handle(request: ProxiedRequest, headers: IncomingHttpHeaders, res: ServerResponse): Promise<void> {
    this.counts.requests += 1;
    const decision = this.options.decide?.(request) ?? PASS;
    try {
      if (decision.kind === 'reject') {
        this.counts.rejected += 1;
        answerWithError(res, decision);
        return;
      }
      const answer = await this.forward(request, headers);
      if (decision.kind === 'lose-response') {
        this.counts.responsesLost += 1;
        answerWithError(res, decision);
        return;
      }
      await this.options.afterForward?.(request, answer.status);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch {
      // The service itself is unreachable: a dropped connection, as the SDK would meet it.
      res.socket?.destroy();
    }
  }

  private forward(request: ProxiedRequest, headers: IncomingHttpHeaders): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: this.target.hostname, port: this.target.port, method: request.method, path: request.path, headers: { ...headers, host: this.target.host } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }
}

function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value === undefined ? '' : value.slice(value.indexOf('.') + 1);
}

function answerWithError(res: ServerResponse, error: AwsErrorAnswer): void {
  const body = JSON.stringify({ __type: error.type, message: error.message, ...error.extra });
  res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': error.type.slice(error.type.indexOf('#') + 1), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
