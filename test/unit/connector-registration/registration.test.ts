import { describe, expect, it, vi } from 'vitest';
import { connectRest, ConnectRequestError, type FetchFn } from '../../../functions/connector-registration/connect-rest.js';
import {
  deleteConnectors,
  droppedConnectors,
  reconcileConnectors,
  RegistrationError,
  registrationProperties,
} from '../../../functions/connector-registration/registration.js';

const URL_BASE = 'http://connect.rtp.internal:8083';
const CONFIG = { 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'database.password': '${env:DATABASE_PASSWORD}' };
const WANTED = [{ name: 'orders-outbox', config: CONFIG }];

type Route = (init: RequestInit | undefined) => Response | Promise<Response>;

/** A fetch answering per `METHOD path`, recording every call. */
function fakeFetch(routes: Record<string, Route>): { fetch: FetchFn; calls: { method: string; path: string; body?: unknown }[] } {
  const calls: { method: string; path: string; body?: unknown }[] = [];
  const fetch = vi.fn<FetchFn>(async (url, init) => {
    const method = init?.method ?? 'GET';
    const path = url.slice(URL_BASE.length);
    calls.push({ method, path, ...(typeof init?.body === 'string' ? { body: JSON.parse(init.body) as unknown } : {}) });
    const route = routes[`${method} ${path}`];
    if (route === undefined) throw new Error(`unexpected ${method} ${path}`);
    return route(init);
  });
  return { fetch, calls };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const running = { name: 'orders-outbox', connector: { state: 'RUNNING', worker_id: '10.0.1.5:8083' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: '10.0.1.5:8083' }] };

describe('registrationProperties', () => {
  it('reads the URL and connectors, stringifying config values', () => {
    const props = registrationProperties({ ServiceToken: 'x', ConnectUrl: `${URL_BASE}/`, Connectors: [{ Name: 'a', Config: { 'tasks.max': 1 } }] });

    expect(props).toEqual({ connectUrl: URL_BASE, connectors: [{ name: 'a', config: { 'tasks.max': '1' } }] });
  });

  it('throws when the URL is missing', () => {
    expect(() => registrationProperties({ Connectors: [] })).toThrow(/ConnectUrl must be an http\(s\) URL/);
  });

  it('throws when a connector has no name', () => {
    expect(() => registrationProperties({ ConnectUrl: URL_BASE, Connectors: [{ Config: {} }] })).toThrow(/Connectors\[0\].Name/);
  });
});

describe('reconcileConnectors', () => {
  it('creates a connector Connect does not know, and waits', async () => {
    // Prepare
    const { fetch, calls } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(404, { error_code: 404, message: 'Connector orders-outbox not found' }),
      'PUT /connectors/orders-outbox/config': () => json(201, { name: 'orders-outbox' }),
    });

    // Act
    const progress = await reconcileConnectors(connectRest(URL_BASE, fetch), WANTED);

    // Assess
    expect(progress.complete).toBe(false);
    expect(calls.at(-1)).toEqual({ method: 'PUT', path: '/connectors/orders-outbox/config', body: { ...CONFIG, name: 'orders-outbox' } });
  });

  it('does not rewrite an unchanged config and completes once connector and tasks run', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(200, { ...CONFIG, name: 'orders-outbox' }),
      'GET /connectors/orders-outbox/status': () => json(200, running),
    });

    const progress = await reconcileConnectors(connectRest(URL_BASE, fetch), WANTED);

    expect(progress).toEqual({ complete: true, waitingFor: [] });
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });

  it('updates a connector whose stored config differs', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(200, { ...CONFIG, 'tasks.max': '2', name: 'orders-outbox' }),
      'PUT /connectors/orders-outbox/config': () => json(200, { name: 'orders-outbox' }),
    });

    await reconcileConnectors(connectRest(URL_BASE, fetch), WANTED);

    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
  });

  it('keeps waiting while a task is not running yet', async () => {
    const { fetch } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(200, CONFIG),
      'GET /connectors/orders-outbox/status': () => json(200, { ...running, tasks: [{ id: 0, state: 'UNASSIGNED' }] }),
    });

    const progress = await reconcileConnectors(connectRest(URL_BASE, fetch), WANTED);

    expect(progress).toEqual({ complete: false, waitingFor: ['orders-outbox: task 0 UNASSIGNED'] });
  });

  it('keeps waiting while Connect is unreachable or rebalancing', async () => {
    const unreachable = fakeFetch({ 'GET /connectors/orders-outbox/config': () => Promise.reject(new TypeError('fetch failed')) });
    const rebalancing = fakeFetch({ 'GET /connectors/orders-outbox/config': () => json(409, { message: 'rebalance in progress' }) });

    await expect(reconcileConnectors(connectRest(URL_BASE, unreachable.fetch), WANTED)).resolves.toMatchObject({ complete: false });
    await expect(reconcileConnectors(connectRest(URL_BASE, rebalancing.fetch), WANTED)).resolves.toMatchObject({ complete: false });
  });

  it('throws with the first line of the trace when a task FAILED', async () => {
    const trace = 'io.debezium.DebeziumException: Creation of replication slot failed\n\tat io.debezium.Foo.bar(Foo.java:1)\nCaused by: x';
    const { fetch } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(200, CONFIG),
      'GET /connectors/orders-outbox/status': () => json(200, { ...running, tasks: [{ id: 0, state: 'FAILED', worker_id: 'w1', trace }] }),
    });

    const outcome = reconcileConnectors(connectRest(URL_BASE, fetch), WANTED);

    await expect(outcome).rejects.toThrow(RegistrationError);
    await expect(outcome).rejects.toThrow('Connector orders-outbox: task 0 FAILED on w1: io.debezium.DebeziumException: Creation of replication slot failed');
  });

  it('throws when Connect rejects the config', async () => {
    const { fetch } = fakeFetch({
      'GET /connectors/orders-outbox/config': () => json(404, {}),
      'PUT /connectors/orders-outbox/config': () => json(400, { error_code: 400, message: 'Connector configuration is invalid' }),
    });

    await expect(reconcileConnectors(connectRest(URL_BASE, fetch), WANTED)).rejects.toThrow(ConnectRequestError);
  });
});

describe('deleteConnectors', () => {
  it('deletes each connector, a missing one included', async () => {
    const { fetch, calls } = fakeFetch({ 'DELETE /connectors/a': () => new Response(null, { status: 204 }), 'DELETE /connectors/b': () => json(404, {}) });

    await expect(deleteConnectors(connectRest(URL_BASE, fetch), ['a', 'b'], { tolerateUnavailable: false })).resolves.toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE /connectors/a', 'DELETE /connectors/b']);
  });

  it('skips an unreachable Connect on stack deletion only', async () => {
    const { fetch } = fakeFetch({ 'DELETE /connectors/a': () => Promise.reject(new TypeError('fetch failed')) });

    await expect(deleteConnectors(connectRest(URL_BASE, fetch), ['a'], { tolerateUnavailable: true })).resolves.toEqual(['a']);
    await expect(deleteConnectors(connectRest(URL_BASE, fetch), ['a'], { tolerateUnavailable: false })).rejects.toThrow(/fetch failed/);
  });

  it('names the connectors an update dropped', () => {
    const before = { connectUrl: URL_BASE, connectors: [{ name: 'a', config: {} }, { name: 'b', config: {} }] };
    const after = { connectUrl: URL_BASE, connectors: [{ name: 'b', config: {} }] };

    expect(droppedConnectors(before, after)).toEqual(['a']);
  });
});
