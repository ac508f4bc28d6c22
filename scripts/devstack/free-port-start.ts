import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { DEFAULT_PORTS, type ServicePort } from './ports.js';

/**
 * Ports of the local stack: one way to start a service on a free port, which
 * every launcher calls. A launcher reports that its service could not bind
 * with a LocalStackError of reason PORT_IN_USE, and nothing else.
 */

/** What a JVM (or Python, or Postgres) logs when its listener's port is taken: `java.net.BindException: Address already in use`. */
export const BIND_FAILED = /java\.net\.BindException|Address already in use/;

/** Whether the log, from byte `since` on, says the service could not bind its port. */
export async function loggedBindFailure(logPath: string, since = 0, pattern: RegExp = BIND_FAILED): Promise<boolean> {
  const written = (await readFile(logPath).catch(() => Buffer.alloc(0))).subarray(since).toString('utf8');
  return pattern.test(written);
}

/** The error a launcher throws when its service could not bind; the one startOnFreePort retries. */
export const portInUse = (message: string, cause?: unknown): LocalStackError => new LocalStackError(message, LocalStackErrorReason.PORT_IN_USE, { cause });

const isPortInUse = (error: unknown): boolean => error instanceof LocalStackError && error.reason === LocalStackErrorReason.PORT_IN_USE;

/** Tries a service gets when it picks its own port. */
const FREE_PORT_ATTEMPTS = 3;

export interface StartOnFreePortOptions<P extends number | readonly number[]> {
  /** Names the service in progress lines. */
  readonly service: string;
  /** The port (or ports) asked for: tried once, since another process holds it. */
  readonly port?: P | undefined;
  /** Picks the port(s) of attempt `attempt` (from 1) when none was asked for. @default a free port from the OS */
  readonly choose?: (attempt: number) => Promise<P>;
  /** @default 3 when the port is chosen here, 1 when it was asked for */
  readonly attempts?: number;
  readonly onProgress?: ((line: string) => void) | undefined;
}

/**
 * Starts a service on the port asked for, or on a free port, trying another
 * when `start` fails with PORT_IN_USE: another process can bind a port
 * between it being found free and the service's bind.
 */
export async function startOnFreePort<T, P extends number | readonly number[] = number>(start: (port: P) => Promise<T>, options: StartOnFreePortOptions<P>): Promise<T> {
  const choose = options.choose ?? ((() => freePort()) as unknown as (attempt: number) => Promise<P>);
  const attempts = options.attempts ?? (options.port === undefined ? FREE_PORT_ATTEMPTS : 1);
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await choose(attempt));
    try {
      return await start(port);
    } catch (error) {
      if (!isPortInUse(error) || attempt >= attempts) throw error;
      const ports: readonly number[] = typeof port === 'number' ? [port] : port;
      options.onProgress?.(`${options.service}: port ${ports.join(' or ')} was taken, trying ${ports.length > 1 ? 'others' : 'another'}`);
    }
  }
}

/** A port free on every interface (some services bind them all). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new LocalStackError('could not read the port the OS chose', LocalStackErrorReason.START_FAILED);
  return address.port;
}

/** A free port for every service of the stack, for a stack beside the one on the fixed ports (tests, benchmarks). */
export async function freeStackPorts(): Promise<Record<ServicePort, number>> {
  const ports = {} as Record<ServicePort, number>;
  for (const service of Object.keys(DEFAULT_PORTS) as ServicePort[]) ports[service] = await freePort();
  return ports;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
