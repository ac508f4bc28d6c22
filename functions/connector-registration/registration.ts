import { ConnectUnavailable, type ConnectRest, type ConnectorConfigMap, type ConnectorStatus } from './connect-rest.js';

/**
 * What the custom resource asks for: the connectors of one Connect cluster,
 * each with its config. Configs carry `${env:…}` references only; the
 * worker resolves them, so no secret is in the resource's properties.
 */
export interface RegistrationProperties {
  readonly connectUrl: string;
  readonly connectors: readonly { readonly name: string; readonly config: ConnectorConfigMap }[];
}

export class RegistrationError extends Error {
  public override readonly name = 'RegistrationError';
  public constructor(
    message: string,
    public readonly connector: string,
  ) {
    super(message);
  }
}

/** Reads and checks the resource properties (CloudFormation passes every scalar as a string). */
export function registrationProperties(properties: unknown): RegistrationProperties {
  const props = properties as { ConnectUrl?: unknown; Connectors?: unknown } | undefined;
  if (typeof props?.ConnectUrl !== 'string' || !/^https?:\/\//.test(props.ConnectUrl)) {
    throw new TypeError(`ConnectUrl must be an http(s) URL; got ${JSON.stringify(props?.ConnectUrl)}`);
  }
  if (!Array.isArray(props.Connectors)) throw new TypeError('Connectors must be a list of { Name, Config }');
  const connectors = props.Connectors.map((entry: unknown, i) => {
    const c = entry as { Name?: unknown; Config?: unknown };
    if (typeof c.Name !== 'string' || c.Name === '') throw new TypeError(`Connectors[${i}].Name must be a connector name`);
    if (c.Config === null || typeof c.Config !== 'object') throw new TypeError(`Connectors[${i}].Config must be a map of strings`);
    const config = Object.fromEntries(Object.entries(c.Config as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    return { name: c.Name, config };
  });
  return { connectUrl: props.ConnectUrl.replace(/\/$/, ''), connectors };
}

/** How much of a failed task's trace an error carries: its first line, the exception and message. */
function firstLine(trace: string | undefined): string {
  return (trace ?? '(no trace)').split('\n')[0]?.trim() ?? '(no trace)';
}

export interface Progress {
  readonly complete: boolean;
  /** What is still awaited, for the log. */
  readonly waitingFor: readonly string[];
}

/**
 * One poll: makes each connector's stored config the wanted one (PUT only
 * when it differs, so a poll never restarts a running connector), then
 * reports whether every connector and task is RUNNING. A FAILED connector or
 * task throws with the first line of its trace. Connect being unreachable or
 * rebalancing is not an error: the next poll tries again, until the
 * provider's total timeout.
 */
export async function reconcileConnectors(rest: ConnectRest, wanted: RegistrationProperties['connectors']): Promise<Progress> {
  const waitingFor: string[] = [];
  for (const { name, config } of wanted) {
    try {
      const stored = await rest.getConfig(name);
      if (stored === undefined || !sameConfig(stored, config)) {
        await rest.putConfig(name, config);
        waitingFor.push(`${name}: config written`);
        continue;
      }
      const status = await rest.status(name);
      const waiting = runningOrWaiting(name, status);
      if (waiting !== undefined) waitingFor.push(waiting);
    } catch (error) {
      if (!(error instanceof ConnectUnavailable)) throw error;
      waitingFor.push(`${name}: ${error.message}`);
    }
  }
  return { complete: waitingFor.length === 0, waitingFor };
}

/** undefined when the connector and all its tasks run; what is awaited otherwise; throws on FAILED. */
function runningOrWaiting(name: string, status: ConnectorStatus | undefined): string | undefined {
  if (status === undefined) return `${name}: not known to the worker yet`;
  const parts = [{ what: 'connector', ...status.connector }, ...status.tasks.map((task) => ({ what: `task ${task.id}`, ...task }))];
  const failed = parts.find((part) => part.state === 'FAILED');
  if (failed !== undefined) {
    throw new RegistrationError(`Connector ${name}: ${failed.what} FAILED on ${failed.worker_id ?? 'a worker'}: ${firstLine(failed.trace)}`, name);
  }
  if (status.tasks.length === 0) return `${name}: no task yet`;
  const notRunning = parts.filter((part) => part.state !== 'RUNNING');
  return notRunning.length === 0 ? undefined : `${name}: ${notRunning.map((p) => `${p.what} ${p.state}`).join(', ')}`;
}

/** Connect adds `name` to the stored config; everything else must match exactly. */
function sameConfig(stored: ConnectorConfigMap, wanted: ConnectorConfigMap): boolean {
  const strip = (config: ConnectorConfigMap): string =>
    JSON.stringify(
      Object.entries(config)
        .filter(([key]) => key !== 'name')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return strip(stored) === strip(wanted);
}

/** The connectors an update dropped: they are deleted so they stop reading their slots. */
export function droppedConnectors(previous: RegistrationProperties | undefined, next: RegistrationProperties): string[] {
  if (previous === undefined) return [];
  const kept = new Set(next.connectors.map((c) => c.name));
  return previous.connectors.map((c) => c.name).filter((name) => !kept.has(name));
}

/**
 * Deletes connectors. Their replication slots (Postgres) stay on the
 * database holding WAL until an operator drops them; their offsets stay in
 * the offsets topic. With `tolerateUnavailable` (stack deletion), a Connect
 * cluster that is already gone is not an error: there is nothing left to stop.
 */
export async function deleteConnectors(rest: ConnectRest, names: readonly string[], options: { tolerateUnavailable: boolean }): Promise<string[]> {
  const skipped: string[] = [];
  for (const name of names) {
    try {
      await rest.delete(name);
    } catch (error) {
      if (!(error instanceof ConnectUnavailable) || !options.tolerateUnavailable) throw error;
      skipped.push(name);
    }
  }
  return skipped;
}
