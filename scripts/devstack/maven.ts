import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { LocalStackError, LocalStackErrorReason } from './errors.js';
import { LOG_DIR, MAVEN_REPO, ROOT, RTP } from './paths.js';
import { logTail, requireTool, withLock } from './processes.js';
import { runToLog } from './supervised-process.js';

/** A set of jars Maven resolved from one of the project's POMs. */
export interface MavenInstall {
  /** `.rtp/<name>/<pom hash>/`, holding `lib/` and whatever `prepare` added. */
  readonly dir: string;
  readonly jars: readonly string[];
  readonly classpath: string;
}

export interface MavenInstallOptions {
  /** Names the install folder and log, e.g. `kafka`. */
  readonly name: string;
  /** The POM whose runtime dependencies to fetch. */
  readonly pom: string;
  /** Runs in the staging folder after the fetch, before it is marked complete (e.g. unpack an archive). */
  readonly prepare?: (staging: string, jars: readonly string[]) => Promise<void>;
  /** Orders the classpath, e.g. the main jar first. @default alphabetical */
  readonly order?: (a: string, b: string) => number;
  readonly onProgress?: (line: string) => void;
}

const MARKER = 'installed.json';

/** A classpath order with the jar whose name starts with `prefix` first, the rest alphabetical. */
export function mainJarFirst(prefix: string): (a: string, b: string) => number {
  return (a, b) => Number(b.startsWith(prefix)) - Number(a.startsWith(prefix)) || a.localeCompare(b);
}
const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface Marker {
  readonly pomSha256: string;
  readonly jars: readonly string[];
}

/**
 * Resolves a POM's dependencies with Maven into `.rtp/<name>/<pom hash>/lib`,
 * once per POM version. Concurrent callers wait on a lock file; the fetch is
 * staged and renamed into place, and the marker written last, so a
 * half-written folder is never used.
 */
export async function ensureMavenInstall(options: MavenInstallOptions): Promise<MavenInstall> {
  const pomSha256 = createHash('sha256').update(await readFile(options.pom)).digest('hex');
  const root = join(RTP, options.name);
  const dir = join(root, pomSha256.slice(0, 16));
  const ready = await readInstall(dir, pomSha256);
  if (ready !== undefined) return ready;

  await requireTool('mvn', ['-v'], LocalStackErrorReason.MAVEN_MISSING, `Maven 3.6+ is needed once to fetch ${options.name}: install it (e.g. \`apt-get install maven\`, \`brew install maven\`) and make sure \`mvn\` is on PATH.`);
  await mkdir(root, { recursive: true });
  return withLock(join(root, 'install.lock'), { timeoutMs: INSTALL_TIMEOUT_MS, onWait: (owner) => options.onProgress?.(`${options.name}: process ${owner} is installing it, waiting`) }, async () => {
    const installedMeanwhile = await readInstall(dir, pomSha256);
    if (installedMeanwhile !== undefined) return installedMeanwhile;
    const started = Date.now();
    const logPath = join(LOG_DIR, `${options.name}-install.log`);
    options.onProgress?.(`${options.name}: fetching jars with Maven into ${relative(ROOT, RTP)}/ (first run only; log in ${relative(ROOT, logPath)})`);
    // Under the lock, any other staging folder is a leftover of a process killed mid-fetch.
    for (const entry of await readdir(root)) if (entry.includes('.staging-')) await rm(join(root, entry), { recursive: true, force: true });
    const staging = `${dir}.staging-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      const lib = join(staging, 'lib');
      await mkdir(lib, { recursive: true });
      const args = ['-B', '-Dstyle.color=never', '-f', options.pom, `-Dmaven.repo.local=${MAVEN_REPO}`, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'];
      const exitCode = await runToLog('mvn', args, logPath, INSTALL_TIMEOUT_MS);
      if (exitCode !== 0) {
        throw new LocalStackError(`Maven could not fetch ${options.name} (exit ${exitCode}); is Maven Central reachable? ${await logTail(logPath)}`, LocalStackErrorReason.FETCH_FAILED);
      }
      const jars = (await readdir(lib)).filter((f) => f.endsWith('.jar')).sort(options.order ?? ((a, b) => a.localeCompare(b)));
      if (jars.length === 0) throw new LocalStackError(`Maven finished but no jar is in ${lib}.`, LocalStackErrorReason.FETCH_FAILED);
      await options.prepare?.(staging, jars);
      const marker: Marker = { pomSha256, jars };
      await writeFile(join(staging, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
      await rm(dir, { recursive: true, force: true }); // only ever an incomplete leftover: a complete one returned above
      await rename(staging, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    options.onProgress?.(`${options.name}: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const installed = await readInstall(dir, pomSha256);
    if (installed === undefined) throw new LocalStackError(`${options.name} was fetched but ${dir}/${MARKER} is unreadable.`, LocalStackErrorReason.FETCH_FAILED);
    return installed;
  });
}

async function readInstall(dir: string, pomSha256: string): Promise<MavenInstall | undefined> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (marker.pomSha256 !== pomSha256 || marker.jars.length === 0) return undefined;
  return { dir, jars: marker.jars, classpath: marker.jars.map((jar) => join(dir, 'lib', jar)).join(delimiter) };
}

let javaPromise: Promise<string> | undefined;

/**
 * Flags every JVM of the local stack runs with. No hsperfdata: a JVM writes
 * /tmp/hsperfdata_<user>/<pid> for jstat and removes it only when it exits
 * normally, so a killed service would leave it outside the project.
 */
export const STACK_JVM_FLAGS: readonly string[] = ['-XX:-UsePerfData'];

/** `$JAVA_HOME/bin/java` when set, else `java` on PATH; 17 or newer. */
export function javaCommand(): Promise<string> {
  javaPromise ??= (async () => {
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const install = 'The local stack needs Java 17 or newer: install a JDK/JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`) and put `java` on PATH or set JAVA_HOME.';
    const output = await requireTool(java, ['-version'], LocalStackErrorReason.JAVA_MISSING, install);
    const major = Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1] ?? 0);
    if (major < 17) throw new LocalStackError(`${install} Found: ${output.split('\n')[0] ?? '?'}`, LocalStackErrorReason.JAVA_MISSING);
    return java;
  })();
  return javaPromise;
}
