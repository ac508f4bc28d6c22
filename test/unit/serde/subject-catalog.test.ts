import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCompatibility, formatViolation } from '../../../functions/core/serde/compatibility.js';
import { SubjectCatalogError } from '../../../functions/core/serde/errors.js';
import { loadSubjects } from '../../../functions/core/serde/subject-catalog.js';
import { subjectSchema } from '../../../functions/core/serde/subject-schema.js';

const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

async function subjectDir(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rtp-schemas-'));
  await mkdir(join(root, 'things'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, 'things', name), text);
  return root;
}

const RECORD = JSON.stringify({ type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'string' }] });

describe('the project schemas', () => {
  it('declares orders (3 versions) and stock-movements with their modes and topics', async () => {
    const subjects = await loadSubjects(SCHEMAS_DIR);
    expect(subjects.map((s) => [s.name, s.compatibility, s.topic, s.versions.length])).toEqual([
      ['orders', 'FULL_ALL', 'orders', 3],
      ['stock-movements', 'BACKWARD', 'stock-movements', 1],
    ]);
  });

  it('keeps every version compatible with its predecessors under the declared mode', async () => {
    for (const subject of await loadSubjects(SCHEMAS_DIR)) {
      subject.versions.forEach((version, index) => {
        const prior = subject.versions.slice(0, index).map((v) => v.definition);
        const verdict = checkCompatibility(subject.compatibility, version.definition, prior);
        expect(verdict.violations.map(formatViolation), `${subject.name} v${version.version}`).toEqual([]);
      });
    }
  });
});

describe('loadSubjects', () => {
  it('rejects an unknown compatibility mode, naming the file and the modes', async () => {
    const root = await subjectDir({ 'subject.json': '{"compatibility":"SIDEWAYS"}', 'v1.avsc': RECORD });
    await expect(loadSubjects(root)).rejects.toThrow(/subject\.json: 'compatibility'.*BACKWARD_ALL/);
  });

  it('rejects a gap in the version numbers', async () => {
    const root = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}', 'v1.avsc': RECORD, 'v3.avsc': RECORD });
    await expect(loadSubjects(root)).rejects.toThrow(/v3\.avsc: expected v2\.avsc before it/);
  });

  it('rejects a schema file that is not named v<N>.avsc', async () => {
    const root = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}', 'v1.avsc': RECORD, 'latest.avsc': RECORD });
    await expect(loadSubjects(root)).rejects.toBeInstanceOf(SubjectCatalogError);
  });

  it('rejects a version that is not valid Avro', async () => {
    const root = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}', 'v1.avsc': '{"type":"record"}' });
    await expect(loadSubjects(root)).rejects.toThrow(/v1\.avsc: not a valid Avro schema/);
  });

  it('rejects valid Avro the processors could not decode, saying so', async () => {
    const noSymbols = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: [] } }] });
    const root = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}', 'v1.avsc': noSymbols });
    await expect(loadSubjects(root)).rejects.toThrow(/v1\.avsc: valid Avro, but not one the pipeline can decode: enum 'E' has no symbols/);
  });

  it('rejects a subject without subject.json', async () => {
    const root = await subjectDir({ 'v1.avsc': RECORD });
    await expect(loadSubjects(root)).rejects.toThrow(/subject\.json: cannot be read/);
  });
});

describe('subjectSchema', () => {
  it('reads the newest version of a subject, and refuses a subject folder without one', async () => {
    const root = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}', 'v1.avsc': '"int"', 'v2.avsc': RECORD });
    expect(subjectSchema('things', undefined, root)).toBe(RECORD);

    const empty = await subjectDir({ 'subject.json': '{"compatibility":"BACKWARD"}' });
    expect(() => subjectSchema('things', undefined, empty)).toThrow(SubjectCatalogError);
  });
});
