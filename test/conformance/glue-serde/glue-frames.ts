import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMavenInstall, javaCommand, mainJarFirst, STACK_JVM_FLAGS } from '../../../scripts/devstack/maven.js';
import { ensureJavaCompiled } from '../harness/java-compile.js';
import { runJavaProcess } from '../harness/java-process.js';
import type { AvroJson } from './avro-java-value.js';

/** The POM naming AWS's serde, and the folder of the program that writes frames with it (GlueFrames and its classes). */
const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const JAVA_SOURCES = fileURLToPath(new URL('./', import.meta.url));

/** One writer schema the oracle writes frames for, under the schema version id the frames carry. */
export interface WriterSchema {
  /** e.g. `orders/v2`, or `every-avro-type` for the suite's own schema. */
  readonly name: string;
  readonly schemaVersionId: string;
  readonly file: string;
  readonly definition: string;
}

/** One frame AWS's serializer wrote, with Avro Java's reading of it. */
export interface OracleFrame {
  readonly schema: string;
  readonly uuid: string;
  /** How the Java side chose the record's values, e.g. `timestamp-millis 8640000000000001`. */
  readonly case: string;
  readonly compression: 'NONE' | 'ZLIB';
  readonly frame: string;
  /** Whether Avro Java read back exactly the record the serializer was given. */
  readonly roundTrips: boolean;
  /** Avro Java's decoding of the frame's body, rendered exactly (see GlueFrames.java). */
  readonly avro: AvroJson;
}

/**
 * A schema version id per writer schema that stays the same from run to run
 * (so a failure names the same frame bytes again): a UUID made from a hash of
 * the schema's name.
 */
export function schemaVersionIdFor(name: string): string {
  const hex = createHash('sha256').update(`glue-serde conformance ${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function writerSchema(name: string, file: string): WriterSchema {
  return { name, schemaVersionId: schemaVersionIdFor(name), file, definition: readFileSync(file, 'utf8') };
}

/**
 * Fetches AWS's serde with Maven and compiles GlueFrames against it (first
 * run only), and returns the classpath GlueFrames runs on: its classes, then
 * the serde's jars.
 */
export async function glueSerdeClasspath(onProgress?: (line: string) => void): Promise<string> {
  const install = await ensureMavenInstall({
    name: 'glue-serde',
    pom: POM,
    order: mainJarFirst('schema-registry-serde-'),
    onProgress,
  });
  const classes = await ensureJavaCompiled({ install, java: await javaCommand(), sourceDir: JAVA_SOURCES, mainClass: 'GlueFrames', against: "AWS's Glue serde" });
  return [classes, install.classpath].join(delimiter);
}

/** Runs GlueFrames over the schemas and parses its lines. */
export async function writeFramesWithAwsSerde(options: {
  readonly classpath: string;
  readonly seed: number;
  readonly randomRecordsPerSchema: number;
  readonly schemas: readonly WriterSchema[];
}): Promise<OracleFrame[]> {
  const java = await javaCommand();
  const args = [
    ...STACK_JVM_FLAGS,
    // One short run: the fastest start matters more than peak speed on a shared 2-core machine.
    '-XX:TieredStopAtLevel=1',
    '-cp',
    options.classpath,
    'GlueFrames',
    String(options.seed),
    String(options.randomRecordsPerSchema),
    ...options.schemas.map((schema) => `${schema.name}=${schema.schemaVersionId}=${schema.file}`),
  ];
  const { exitCode, stdout, stderr } = await runJavaProcess(java, args);
  if (exitCode !== 0) throw new Error(`GlueFrames exited with ${exitCode}: ${stderr.slice(-4000)}`);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OracleFrame);
}

