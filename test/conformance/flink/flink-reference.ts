import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureMavenInstall, javaCommand, STACK_JVM_FLAGS, type MavenInstall } from '../../../scripts/devstack/maven.js';
import { LOG_DIR, RTP } from '../../../scripts/devstack/paths.js';
import { ensureJavaCompiled } from '../harness/java-compile.js';
import type { FinalWindow, WindowResults, Workload } from './workload.js';

/**
 * Runs workloads through Apache Flink (the version test/conformance/flink/pom.xml
 * names) on a local MiniCluster: FlinkWindows and the classes beside it,
 * compiled once per version of their sources, in one JVM for all the
 * workloads given.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const POM = join(HERE, 'pom.xml');
const LOG_CONFIG = join(HERE, 'log4j2.properties');
const WORK_DIR = join(RTP, 'conformance', 'flink');
const RUN_TIMEOUT_MS = 10 * 60_000;

/**
 * The JDK packages Flink's own launch scripts open (its `env.java.opts.all`
 * default), less those for parts a local job never starts: Flink reflects
 * into them in serializers (Kryo, for any type its own serializers do not
 * cover) and the network stack, which Java 17 refuses unless they are opened.
 * Today's job happens to run without them; they keep it running as Flink runs.
 */
export const FLINK_JVM_FLAGS: readonly string[] = [
  ...STACK_JVM_FLAGS,
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.net=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.time=ALL-UNNAMED',
  '--add-opens=java.base/java.text=ALL-UNNAMED',
  // Two cores are shared with other work: a small heap and the serial collector keep the JVM's footprint down.
  '-Xmx768m',
  '-XX:+UseSerialGC',
];

export interface FlinkRun {
  readonly flinkVersion: string;
  readonly results: ReadonlyMap<string, WindowResults>;
  readonly seconds: number;
}

const run = promisify(execFile);

async function ensureFlinkInstalled(): Promise<MavenInstall> {
  return ensureMavenInstall({ name: 'flink-conformance', pom: POM, onProgress: (line) => console.log(line) });
}

interface ReferenceOutput {
  readonly flinkVersion: string;
  readonly workloads: Record<string, { readonly windows: ReadonlyArray<readonly [string, number, number, number, number]>; readonly late: readonly string[] }>;
}

/** Every workload's final windows and late records, as Flink computes them. */
export async function runFlink(workloads: readonly Workload[]): Promise<FlinkRun> {
  const started = Date.now();
  const java = await javaCommand();
  const install = await ensureFlinkInstalled();
  const classes = await ensureJavaCompiled({ install, java, sourceDir: HERE, mainClass: 'FlinkWindows', against: 'Flink' });
  await mkdir(WORK_DIR, { recursive: true });
  await mkdir(LOG_DIR, { recursive: true });
  const runId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const input = join(WORK_DIR, `workloads-${runId}.json`);
  const output = join(WORK_DIR, `results-${runId}.json`);
  const log = join(LOG_DIR, 'flink-conformance.log');
  await writeFile(input, JSON.stringify({ workloads }));
  try {
    const args = [
      ...FLINK_JVM_FLAGS,
      `-Dlog4j2.configurationFile=${LOG_CONFIG}`,
      `-Dconformance.flink.log=${log}`,
      '-cp',
      [classes, install.classpath].join(delimiter),
      'FlinkWindows',
      input,
      output,
    ];
    try {
      await run(java, args, { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`the Flink reference failed (its log: ${log}): ${stderr.slice(-4000) || String(error)}`);
    }
    const parsed = JSON.parse(await readFile(output, 'utf8')) as ReferenceOutput;
    const results = new Map<string, WindowResults>();
    for (const [id, result] of Object.entries(parsed.workloads)) {
      const windows = result.windows.map(([key, start, end, sum, count]): FinalWindow => ({ key, start, end, sum, count }));
      results.set(id, { windows, late: result.late });
    }
    return { flinkVersion: parsed.flinkVersion, results, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(input, { force: true });
    await rm(output, { force: true });
  }
}
