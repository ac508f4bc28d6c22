import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SubjectCatalogError } from './errors.js';

/**
 * Where a function finds the subjects' schemas: SCHEMAS_DIR when set (a
 * deployed bundle ships schemas/ beside the code and sets it), otherwise
 * the repository's schemas/ folder.
 */
export function schemasDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCHEMAS_DIR ?? fileURLToPath(new URL('../../../schemas/', import.meta.url));
}

/**
 * The definition of a subject's version (the newest when `version` is not
 * given), read once at cold start: it is the reader schema a processor is
 * compiled against.
 */
export function subjectSchema(subject: string, version?: number, dir: string = schemasDir()): string {
  const folder = join(dir, subject);
  let chosen = version;
  if (chosen === undefined) {
    const versions = readdirSync(folder)
      .map((file) => /^v([1-9][0-9]*)\.avsc$/.exec(file)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    if (versions.length === 0) throw new SubjectCatalogError(`Subject '${subject}' has no v<N>.avsc in ${folder}`, folder);
    chosen = Math.max(...versions);
  }
  return readFileSync(join(folder, `v${chosen}.avsc`), 'utf8');
}
