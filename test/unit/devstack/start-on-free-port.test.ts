import { describe, expect, it } from 'vitest';
import { LocalStackError, LocalStackErrorReason } from '../../../scripts/devstack/errors.js';
import { portInUse, startOnFreePort } from '../../../scripts/devstack/free-port-start.js';
import { caught } from '../../helpers/caught.js';

const taken = (): Promise<never> => Promise.reject(portInUse('taken'));

describe('startOnFreePort', () => {
  it('tries another free port when another process took the one found free, saying so', async () => {
    // Prepare: the first two ports are taken by the time the service binds them.
    const tried: number[] = [];
    const progress: string[] = [];

    // Act
    const started = await startOnFreePort(
      (port) => {
        tried.push(port);
        return tried.length < 3 ? taken() : Promise.resolve(`up on ${port}`);
      },
      { service: 'svc', onProgress: (line) => progress.push(line) },
    );

    // Assess
    expect(started).toBe(`up on ${tried[2]}`);
    expect(tried.every((port) => port > 0)).toBe(true);
    expect(progress).toEqual([`svc: port ${tried[0]} was taken, trying another`, `svc: port ${tried[1]} was taken, trying another`]);
  });

  it('gives up after three taken ports, and tries a port asked for once', async () => {
    // Act
    let tries = 0;
    const free = await caught(startOnFreePort(() => ((tries += 1), taken()), { service: 'svc' }));
    const asked: number[] = [];
    const fixed = await caught(startOnFreePort((port) => (asked.push(port), taken()), { service: 'svc', port: 4567 }));

    // Assess
    expect([free, tries]).toEqual([expect.any(LocalStackError), 3]);
    expect((free as LocalStackError).reason).toBe(LocalStackErrorReason.PORT_IN_USE);
    expect([fixed, asked]).toEqual([expect.any(LocalStackError), [4567]]);
  });

  it('does not retry a failure that is not a taken port', async () => {
    // Act
    let tries = 0;
    const failure = await caught(startOnFreePort(() => ((tries += 1), Promise.reject(new Error('no java'))), { service: 'svc' }));

    // Assess
    expect([failure instanceof Error ? failure.message : failure, tries]).toEqual(['no java', 1]);
  });

  it('chooses several ports per attempt when asked, the first attempt its own way, and names them all', async () => {
    // Prepare: a service with two listeners whose remembered ports are taken.
    const tried: Array<readonly [number, number]> = [];
    const progress: string[] = [];

    // Act
    const started = await startOnFreePort<string, readonly [number, number]>(
      (ports) => (tried.push(ports), tried.length === 1 ? taken() : Promise.resolve('up')),
      { service: 'Kafka', choose: (attempt) => Promise.resolve(attempt === 1 ? ([1001, 1002] as const) : ([2001, 2002] as const)), onProgress: (line) => progress.push(line) },
    );

    // Assess
    expect([started, tried]).toEqual(['up', [[1001, 1002], [2001, 2002]]]);
    expect(progress).toEqual(['Kafka: port 1001 or 1002 was taken, trying others']);
  });
});
