/**
 * Runs Apache Avro Java 1.11.4, the Avro the Glue Schema Registry judges
 * schemas with, over a corpus of schema pairs: one JVM, AvroJudge.java in
 * source-file mode (no compile step to go stale), one JSON line per pair.
 */
import { fileURLToPath } from 'node:url';
import { ensureMavenInstall, javaCommand, mainJarFirst, STACK_JVM_FLAGS } from '../../../scripts/devstack/maven.js';
import { runJavaProcess } from '../harness/java-process.js';
import type { SchemaPair } from './schema-pairs.js';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const JUDGE_SOURCE = fileURLToPath(new URL('./AvroJudge.java', import.meta.url));

export interface AvroJavaValidity {
  readonly valid: boolean;
  /** The parser's exception, `SchemaParseException: …`, when not valid. */
  readonly error?: string;
}

export interface AvroJavaIncompatibility {
  readonly type: string;
  readonly location: string;
  readonly message: string;
}

export interface AvroJavaVerdict {
  readonly id: string;
  readonly reader: AvroJavaValidity;
  readonly writer: AvroJavaValidity;
  /** Set when both schemas parse; ERROR when the check itself threw (`error` says what). */
  readonly compatibility?: 'COMPATIBLE' | 'INCOMPATIBLE' | 'ERROR';
  readonly incompatibilities?: readonly AvroJavaIncompatibility[];
  readonly error?: string;
}

/** Judges every pair with Avro Java; the verdicts are keyed by pair id. */
export async function judgeWithAvroJava(pairs: readonly SchemaPair[], onProgress?: (line: string) => void): Promise<Map<string, AvroJavaVerdict>> {
  const install = await ensureMavenInstall({ name: 'avro-java', pom: POM, order: mainJarFirst('avro-'), ...(onProgress ? { onProgress } : {}) });
  const java = await javaCommand();
  const input = pairs.map((pair) => JSON.stringify({ id: pair.id, reader: pair.reader, writer: pair.writer })).join('\n');
  // A small heap and one compiler thread: the corpus is small and the machine is shared.
  const { exitCode, stdout: output, stderr } = await runJavaProcess(java, [...STACK_JVM_FLAGS, '-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', install.classpath, JUDGE_SOURCE], input);
  if (exitCode !== 0) throw new Error(`AvroJudge exited with ${String(exitCode)}: ${stderr.slice(-2000)}`);
  const verdicts = new Map<string, AvroJavaVerdict>();
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const verdict = JSON.parse(line) as AvroJavaVerdict;
    verdicts.set(verdict.id, verdict);
  }
  const missing = pairs.filter((pair) => !verdicts.has(pair.id));
  if (missing.length > 0) throw new Error(`AvroJudge gave no verdict for ${missing.length} pairs, e.g. ${missing[0]?.id ?? '?'}`);
  return verdicts;
}
