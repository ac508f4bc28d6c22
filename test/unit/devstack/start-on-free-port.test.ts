import { describe, expect, it } from 'vitest';
import { startOnFreePort } from '../../../scripts/devstack/processes.js';
import { caught } from '../../helpers/caught.js';

class PortTaken extends Error {}
const taken = (error: unknown): boolean => error instanceof PortTaken;

describe('startOnFreePort', () => {
  it('tries another free port when another process took the one found free, saying so', async () => {
    // Prepare: the first two ports are taken by the time the service binds them.
    const tried: number[] = [];
    const progress: string[] = [];

    // Act
    const started = await startOnFreePort('svc', { onProgress: (line) => progress.push(line) }, taken, (port) => {
      tried.push(port);
      return tried.length < 3 ? Promise.reject(new PortTaken()) : Promise.resolve(`up on ${port}`);
    });

    // Assess
    expect(started).toBe(`up on ${tried[2]}`);
    expect(tried.every((port) => port > 0)).toBe(true);
    expect(progress).toEqual([`svc: port ${tried[0]} was taken, trying another`, `svc: port ${tried[1]} was taken, trying another`]);
  });

  it('gives up after three taken ports, and tries a port asked for once', async () => {
    // Act
    let tries = 0;
    const free = await caught(startOnFreePort('svc', {}, taken, () => (tries += 1, Promise.reject(new PortTaken()))));
    const asked: number[] = [];
    const fixed = await caught(startOnFreePort('svc', { port: 4567 }, taken, (port) => (asked.push(port), Promise.reject(new PortTaken()))));

    // Assess
    expect([free, tries]).toEqual([expect.any(PortTaken), 3]);
    expect([fixed, asked]).toEqual([expect.any(PortTaken), [4567]]);
  });

  it('does not retry a failure that is not a taken port', async () => {
    // Act
    let tries = 0;
    const failure = await caught(startOnFreePort('svc', {}, taken, () => (tries += 1, Promise.reject(new Error('no java')))));

    // Assess
    expect([failure instanceof Error ? failure.message : failure, tries]).toEqual(['no java', 1]);
  });
});
