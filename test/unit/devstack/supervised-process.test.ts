import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, livePids, spawnService, stopPid, type ServiceProcess } from '../../../scripts/devstack/supervised-process.js';
import { caught } from '../../helpers/caught.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A Node process that says it is up, then ignores SIGTERM when told to, and otherwise idles. */
const IDLER = `process.on('SIGTERM', () => { if (process.argv[1] !== 'stubborn') process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`;

const started: ServiceProcess[] = [];
afterEach(async () => {
  // Whatever a failed test left running is stopped, by its pid, and its log removed.
  for (const service of started.splice(0)) {
    await service.stop();
    await rm(service.logPath, { force: true });
  }
});

async function idler(mode: 'polite' | 'stubborn', stopGraceMs: number): Promise<ServiceProcess> {
  const service = await spawnService({ logName: `test-supervised-${randomUUID().slice(0, 8)}`, command: process.execPath, args: ['-e', IDLER, mode], stopGraceMs });
  started.push(service);
  // Up, and its SIGTERM handler set, once it has written its line.
  for (let tries = 0; !(await readFile(service.logPath, 'utf8')).includes('up') && tries < 200; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  return service;
}

describe('the supervisor', () => {
  it('stops a child by its pid and forgets it: the pid is gone and out of the live set', async () => {
    // Prepare
    const service = await idler('polite', 5_000);
    expect([isAlive(service.pid), livePids()]).toEqual([true, expect.arrayContaining([service.pid])]);

    // Act
    await service.stop();

    // Assess
    expect(await service.exit).toEqual({ code: 0, signal: null });
    expect([isAlive(service.pid), livePids().includes(service.pid)]).toEqual([false, false]);
  });

  it('escalates to SIGKILL when a child ignores the stop signal past its grace', async () => {
    // Prepare
    const service = await idler('stubborn', 300);

    // Act
    const before = Date.now();
    await service.stop();

    // Assess
    expect(await service.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - before).toBeGreaterThanOrEqual(300);
    expect([isAlive(service.pid), livePids().includes(service.pid)]).toEqual([false, false]);
  }, 10_000);

  it('stops a process it did not start by pid, escalating, and signals none that its check says is gone', async () => {
    // Prepare: a stubborn process started outside the supervisor, as a previous run's would be.
    const other = spawn(process.execPath, ['-e', IDLER, 'stubborn'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => other.stdout.once('data', resolve));
    const pid = other.pid ?? -1;

    // Act: first with a check that says it is gone (a pid reused by another program), then for real.
    let spared: boolean;
    try {
      await stopPid(pid, { isGone: () => true });
      spared = isAlive(pid);
      await stopPid(pid, { steps: [{ signal: 'SIGTERM', graceMs: 200 }, { signal: 'SIGKILL', graceMs: 5_000 }], isGone: () => other.exitCode !== null || other.signalCode !== null });
    } finally {
      other.kill('SIGKILL'); // not the supervisor's: a failed stop must not leave it behind
    }

    // Assess
    expect([spared, other.signalCode, isAlive(pid)]).toEqual([true, 'SIGKILL', false]);
  }, 10_000);

  it('says so when a process outlives its last step', async () => {
    // Prepare
    const service = await idler('stubborn', 300);

    // Act
    const error = await caught(stopPid(service.pid, { steps: [{ signal: 'SIGTERM', graceMs: 100 }], what: 'Stubborn process' }));

    // Assess
    expect(error instanceof Error ? error.message : error).toBe(`Stubborn process ${service.pid} survived SIGTERM`);
  });

  it('takes its children with it when this process exits without stopping them', async () => {
    // Act: a process that starts a child under the supervisor, prints its pid, and exits.
    const script = [
      `import { spawnService } from './scripts/devstack/supervised-process.ts';`,
      `const child = await spawnService({ logName: 'test-supervised-orphan', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });`,
      `console.log(child.pid);`,
      `process.exit(0);`,
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => parent.once('close', resolve));
    const pid = Number(output.trim());

    // Assess: the child got the exit hook's SIGKILL (it may take a moment to be reaped by init).
    for (let tries = 0; isAlive(pid) && tries < 100; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect([pid > 0, isAlive(pid)]).toEqual([true, false]);
    await rm(`${ROOT}.rtp/logs/test-supervised-orphan.log`, { force: true });
  }, 20_000);
});
