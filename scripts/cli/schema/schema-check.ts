import { join } from 'node:path';
import { SubjectCatalogError } from '../../../functions/core/serde/errors.js';
import { loadSubjects, type Subject } from '../../../functions/core/serde/subject-catalog.js';
import { CliError } from '../cli-error.js';
import { ROOT } from '../../devstack/paths.js';
import { hasErrors, type SchemaFinding } from './findings.js';
import { loadSubjectsAtRef } from './git-schemas.js';
import { comparePublished, type PublishedSubject, type SubjectComparison } from './published-comparison.js';
import { assertRegistryExists, readRegistrySubject, type RegistryRef, type RegistrySubject } from './registry-schemas.js';

/** What `rtp schema check` compares schemas/ with. */
export type CheckBaseline =
  /** Nothing: each subject's chain is checked under its declared mode. */
  | { readonly kind: 'files' }
  | { readonly kind: 'git'; readonly ref: string }
  | { readonly kind: 'registry'; readonly registry: RegistryRef };

export interface SchemaCheckOptions {
  /** @default the repository's schemas/ */
  readonly schemasDir?: string;
  /** Only this subject. */
  readonly subject?: string;
  readonly baseline: CheckBaseline;
}

export interface SchemaCheckResult {
  readonly ok: boolean;
  /** 'files', 'git <ref>' or 'registry <name> (<target>)'. */
  readonly against: string;
  readonly subjects: readonly SubjectComparison[];
  readonly findings: readonly SchemaFinding[];
}

/** The check's result plus what `register` needs from it. */
export interface SchemaCheckOutcome {
  readonly result: SchemaCheckResult;
  readonly subjects: readonly Subject[];
  /** With a registry baseline: the registry's subjects (absent ones are new). */
  readonly registrySubjects: ReadonlyMap<string, RegistrySubject>;
}

export const DEFAULT_SCHEMAS_DIR = join(ROOT, 'schemas');

export async function checkSchemas(options: SchemaCheckOptions): Promise<SchemaCheckOutcome> {
  const schemasDir = options.schemasDir ?? DEFAULT_SCHEMAS_DIR;
  const subjects = selectSubject(await loadWorkingSubjects(schemasDir), options.subject);
  const { baseline } = options;
  const registrySubjects = new Map<string, RegistrySubject>();
  let published = new Map<string, PublishedSubject>();
  let comparisons: SubjectComparison[];
  let against: string;

  if (baseline.kind === 'files') {
    against = 'files';
    comparisons = comparePublished(subjects, published, { kind: 'git', label: 'nothing' });
  } else if (baseline.kind === 'git') {
    against = `git ${baseline.ref}`;
    const atRef = selectSubject(await loadSubjectsAtRef(schemasDir, baseline.ref), options.subject, false);
    published = new Map(atRef.map((s) => [s.name, { name: s.name, compatibility: s.compatibility, versions: s.versions.map(({ version, definition }) => ({ version, definition })) }]));
    comparisons = comparePublished(subjects, published, { kind: 'git', label: baseline.ref });
  } else {
    const { registry } = baseline;
    against = `registry ${registry.registryName} (${registry.label})`;
    await assertRegistryExists(registry);
    for (const subject of subjects) {
      const found = await readRegistrySubject(registry, subject.name);
      if (found === undefined) continue;
      registrySubjects.set(subject.name, found);
      published.set(subject.name, {
        name: found.name,
        compatibility: found.compatibility,
        // Matched by position: Glue's numbers skip the versions it refused.
        versions: found.versions.map((v, index) => ({ version: index + 1, definition: v.definition })),
        describeVersion: (n) => `registry version ${found.versions[n - 1]?.registryVersion ?? n}`,
      });
    }
    comparisons = comparePublished(subjects, published, { kind: 'registry', label: `registry ${registry.registryName}` });
  }

  const findings = comparisons.flatMap((c) => c.findings);
  return { result: { ok: !hasErrors(findings), against, subjects: comparisons, findings }, subjects, registrySubjects };
}

async function loadWorkingSubjects(schemasDir: string): Promise<Subject[]> {
  try {
    return await loadSubjects(schemasDir);
  } catch (error) {
    if (error instanceof SubjectCatalogError) throw new CliError(`${error.message}; fix the file, then run \`rtp schema check\` again`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${schemasDir}: no such folder; pass --schemas <dir> to name the schemas folder`);
    throw error;
  }
}

function selectSubject(subjects: Subject[], name: string | undefined, required = true): Subject[] {
  if (name === undefined) return subjects;
  const chosen = subjects.filter((s) => s.name === name);
  if (chosen.length === 0 && required) throw new CliError(`No subject '${name}' in schemas/; known: ${subjects.map((s) => s.name).join(', ') || '(none)'}`);
  return chosen;
}
