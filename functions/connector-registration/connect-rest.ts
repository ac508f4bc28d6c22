/**
 * The few Kafka Connect REST calls the registration makes, over an injected
 * `fetch` so the logic is testable without a worker. 409 (the worker group
 * is rebalancing) and 5xx (a worker still joining) are `ConnectUnavailable`:
 * the caller polls again rather than failing the deployment.
 */

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export type ConnectorConfigMap = Readonly<Record<string, string>>;

export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: string; readonly worker_id?: string; readonly trace?: string };
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly worker_id?: string; readonly trace?: string }[];
}

export class ConnectUnavailable extends Error {
  public override readonly name = 'ConnectUnavailable';
}

export class ConnectRequestError extends Error {
  public override readonly name = 'ConnectRequestError';
  public constructor(
    message: string,
    public readonly status: number,
  ) {
    super(message);
  }
}

export interface ConnectRest {
  /** The connector's stored config, or undefined when Connect does not know it. */
  getConfig(name: string): Promise<ConnectorConfigMap | undefined>;
  /** Creates or replaces the connector's config (idempotent). */
  putConfig(name: string, config: ConnectorConfigMap): Promise<void>;
  status(name: string): Promise<ConnectorStatus | undefined>;
  /** Deletes the connector; one that is not there is fine. */
  delete(name: string): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 20_000;

export function connectRest(baseUrl: string, fetchFn: FetchFn = fetch): ConnectRest {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> => {
    let response: Response;
    try {
      response = await fetchFn(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      // Not reachable yet: DNS not registered, tasks starting, REST not listening.
      throw new ConnectUnavailable(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 409 || response.status >= 500) throw new ConnectUnavailable(`${method} ${path}: HTTP ${response.status}: ${errorMessage(text)}`);
    return { status: response.status, text };
  };
  const connectorPath = (name: string): string => `/connectors/${encodeURIComponent(name)}`;
  const fail = (what: string, answer: { status: number; text: string }): never => {
    throw new ConnectRequestError(`${what}: HTTP ${answer.status}: ${errorMessage(answer.text)}`, answer.status);
  };
  return {
    async getConfig(name) {
      const answer = await call('GET', `${connectorPath(name)}/config`);
      if (answer.status === 404) return undefined;
      if (answer.status >= 300) return fail(`Kafka Connect could not read connector ${name}`, answer);
      return JSON.parse(answer.text) as ConnectorConfigMap;
    },
    async putConfig(name, config) {
      const answer = await call('PUT', `${connectorPath(name)}/config`, { ...config, name });
      if (answer.status >= 300) fail(`Kafka Connect refused connector ${name}`, answer);
    },
    async status(name) {
      const answer = await call('GET', `${connectorPath(name)}/status`);
      if (answer.status === 404) return undefined;
      if (answer.status >= 300) return fail(`Kafka Connect could not report connector ${name}`, answer);
      return JSON.parse(answer.text) as ConnectorStatus;
    },
    async delete(name) {
      const answer = await call('DELETE', connectorPath(name));
      if (answer.status >= 300 && answer.status !== 404) fail(`Kafka Connect refused to delete connector ${name}`, answer);
    },
  };
}

/** Connect's error body is `{"error_code": 400, "message": "…"}`; the message alone reads better. */
function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}
