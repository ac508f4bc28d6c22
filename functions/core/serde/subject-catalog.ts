import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseAvroSchema } from './avro-schema.js';
import { CompatibilityMode } from './compatibility.js';
import { SubjectCatalogError, UnsupportedSchemaError } from './errors.js';

/**
 * The schemas/ folder: one folder per subject holding `subject.json`
 * (`{"compatibility": "<MODE>", ...}`) and its versions `v1.avsc`, `v2.avsc`,
 * ... numbered from 1 without gaps.
 */

export interface SubjectVersion {
  readonly version: number;
  readonly file: string;
  /** The definition as written in the file. */
  readonly definition: string;
}

export interface Subject {
  readonly name: string;
  readonly compatibility: CompatibilityMode;
  readonly description?: string;
  /** The Kafka topic the subject's records are written to. @default the subject name */
  readonly topic: string;
  /** Oldest first. */
  readonly versions: readonly SubjectVersion[];
}

const subjectFile = z.object({
  compatibility: z.enum(Object.values(CompatibilityMode) as [CompatibilityMode, ...CompatibilityMode[]]),
  description: z.string().optional(),
  topic: z.string().min(1).optional(),
});

const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

export async function loadSubjects(schemasDir: string): Promise<Subject[]> {
  const entries = await readdir(schemasDir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(names.map((name) => loadSubject(join(schemasDir, name), name)));
}

export async function loadSubject(dir: string, name: string): Promise<Subject> {
  const configFile = join(dir, 'subject.json');
  const config = await readJsonFile(configFile);
  const parsed = subjectFile.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SubjectCatalogError(
      `${configFile}: '${issue?.path.join('.') ?? ''}' ${issue?.message ?? 'is invalid'} (modes: ${Object.values(CompatibilityMode).join(', ')})`,
      configFile,
    );
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.avsc'));
  const numbered = files.map((file) => {
    const match = VERSION_FILE.exec(file);
    if (match?.[1] === undefined) {
      throw new SubjectCatalogError(`${join(dir, file)}: schema files must be named v<N>.avsc`, join(dir, file));
    }
    return { file: join(dir, file), version: Number(match[1]) };
  });
  numbered.sort((a, b) => a.version - b.version);
  numbered.forEach(({ file, version }, index) => {
    if (version !== index + 1) throw new SubjectCatalogError(`${file}: expected v${index + 1}.avsc before it; versions start at 1 without gaps`, file);
  });
  if (numbered.length === 0) throw new SubjectCatalogError(`${dir}: subject '${name}' has no v1.avsc`, dir);

  const versions = await Promise.all(
    numbered.map(async ({ file, version }) => {
      const definition = await readFile(file, 'utf8');
      try {
        parseAvroSchema(definition);
      } catch (error) {
        // Valid Avro the processors could not decode is refused here too, so it is never registered: say which it is.
        const what = error instanceof UnsupportedSchemaError ? 'valid Avro, but not one the pipeline can decode' : 'not a valid Avro schema';
        throw new SubjectCatalogError(`${file}: ${what}: ${(error as Error).message}`, file, { cause: error });
      }
      return { version, file, definition };
    }),
  );
  return {
    name,
    compatibility: parsed.data.compatibility,
    description: parsed.data.description,
    topic: parsed.data.topic ?? name,
    versions,
  };
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SubjectCatalogError(`${file}: cannot be read: ${(error as Error).message}`, file, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SubjectCatalogError(`${file}: not valid JSON: ${(error as Error).message}`, file, { cause: error });
  }
}
