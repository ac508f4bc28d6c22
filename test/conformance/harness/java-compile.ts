import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { MavenInstall } from '../../../scripts/devstack/maven.js';

const run = promisify(execFile);

/**
 * A reference suite's Java program, compiled once per version of its
 * sources: every .java file of `sourceDir`, compiled with javac against the
 * install's jars into a folder beside them named after a hash of the
 * sources, so an edited source compiles again and an unchanged one never
 * does. Returns that folder, for the classpath.
 */
export async function ensureJavaCompiled(options: {
  readonly install: MavenInstall;
  /** The `java` command; javac is taken from beside it. */
  readonly java: string;
  readonly sourceDir: string;
  /** The program's main class: its class file marks a finished compile. */
  readonly mainClass: string;
  /** What the program is compiled against, for the error message, e.g. `Flink`. */
  readonly against: string;
}): Promise<string> {
  const sources = (await readdir(options.sourceDir))
    .filter((name) => name.endsWith('.java'))
    .sort()
    .map((name) => join(options.sourceDir, name));
  const hash = createHash('sha256');
  for (const source of sources) hash.update(basename(source)).update('\u0000').update(await readFile(source)).update('\u0000');
  const classes = join(options.install.dir, `classes-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(classes, `${options.mainClass}.class`))) return classes;
  const javac = options.java.includes('/') ? join(dirname(options.java), 'javac') : 'javac';
  const staging = `${classes}.staging-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await mkdir(staging, { recursive: true });
    await run(javac, ['-nowarn', '-d', staging, '-cp', options.install.classpath, ...sources], { maxBuffer: 16 * 1024 * 1024 });
    await rm(classes, { recursive: true, force: true });
    await rename(staging, classes);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`javac could not compile ${sources.map((source) => basename(source)).join(', ')} against ${options.against} (a JDK 17, not only a JRE, is needed): ${stderr || String(error)}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return classes;
}
