import { dirname, join, relative } from 'node:path';
import type { CompatibilityMode } from '../../../functions/core/serde/compatibility.js';
import type { Subject } from '../../../functions/core/serde/subject-catalog.js';
import { checkVersions, type ChainVersion } from './chain-check.js';
import { CheckRule, type SchemaFinding } from './findings.js';
import { sameDefinition } from './normalized-definition.js';

/**
 * The working tree's schemas/ against what was published before: the same
 * folder at a git ref, or the target's registry. Published versions are
 * immutable; new versions must be compatible with the published chain.
 */

/** A subject as it was published; versions numbered by position (the file numbering). */
export interface PublishedSubject {
  readonly name: string;
  readonly compatibility: CompatibilityMode;
  readonly versions: readonly ChainVersion[];
  /** How a version is named in messages, e.g. 'registry version 4'; defaults to v<N>. */
  readonly describeVersion?: (version: number) => string;
}

export interface ComparisonOptions {
  /** 'git': the ref's mode gives way to subject.json's; 'registry': Glue judges by its own mode, so new versions must satisfy both. */
  readonly kind: 'git' | 'registry';
  /** What was published, for messages: 'origin/main', 'registry realtime-pipeline-dev'. */
  readonly label: string;
}

export interface SubjectComparison {
  readonly subject: string;
  readonly compatibility: CompatibilityMode;
  /** The published mode, when the subject was published. */
  readonly publishedCompatibility?: CompatibilityMode;
  /** How many versions schemas/ has. */
  readonly versions: number;
  /** How many were published (0 for a new subject). */
  readonly published: number;
  /** Versions in schemas/ that were not published, in order. */
  readonly newVersions: readonly number[];
  /** Modes the new versions were checked under. */
  readonly checkedUnder: readonly CompatibilityMode[];
  readonly findings: readonly SchemaFinding[];
}

export function comparePublished(working: readonly Subject[], published: ReadonlyMap<string, PublishedSubject>, options: ComparisonOptions): SubjectComparison[] {
  const comparisons = working.map((subject) => compareSubject(subject, published.get(subject.name), options));
  if (options.kind === 'git') {
    const names = new Set(working.map((s) => s.name));
    for (const gone of [...published.values()].filter((p) => !names.has(p.name))) {
      comparisons.push({
        subject: gone.name,
        compatibility: gone.compatibility,
        publishedCompatibility: gone.compatibility,
        versions: 0,
        published: gone.versions.length,
        newVersions: [],
        checkedUnder: [],
        findings: [
          {
            subject: gone.name,
            version: gone.versions.length,
            rule: CheckRule.SUBJECT_REMOVED,
            context: options.label,
            severity: 'error',
            message: `Subject ${gone.name} exists at ${options.label} and not in schemas/: producers and consumers may still use it; restore it, and retire a subject only once nothing reads or writes its topic`,
          },
        ],
      });
    }
  }
  return comparisons;
}

function compareSubject(subject: Subject, base: PublishedSubject | undefined, options: ComparisonOptions): SubjectComparison {
  const ownChain = subject.versions.map(({ version, definition }) => ({ version, definition }));
  if (base === undefined) {
    return {
      subject: subject.name,
      compatibility: subject.compatibility,
      versions: ownChain.length,
      published: 0,
      newVersions: ownChain.map((v) => v.version),
      checkedUnder: [subject.compatibility],
      findings: checkVersions({ subject: subject.name, modes: [subject.compatibility], chain: ownChain, published: 0 }),
    };
  }

  const findings: SchemaFinding[] = [];
  const describe = base.describeVersion ?? ((n: number) => `v${n}.avsc`);
  // Relative to where the command runs, as CI logs and editors show paths.
  const shown = (file: string): string => relative(process.cwd(), file) || file;
  const folder = subject.versions[0] === undefined ? `schemas/${subject.name}` : dirname(shown(subject.versions[0].file));
  for (const [index, publishedVersion] of base.versions.entries()) {
    const file = subject.versions[index];
    if (file === undefined) {
      findings.push({
        subject: subject.name,
        version: publishedVersion.version,
        rule: CheckRule.VERSION_REMOVED,
        context: options.label,
        severity: 'error',
        message:
          options.kind === 'git'
            ? `v${publishedVersion.version}.avsc exists at ${options.label} and not in schemas/${subject.name}/: published versions stay; restore the file`
            : `The ${options.label} has ${describe(publishedVersion.version)} that schemas/${subject.name}/ does not: add it as v${publishedVersion.version}.avsc (the registry is what producers wrote with)`,
      });
    } else if (!sameDefinition(file.definition, publishedVersion.definition)) {
      findings.push({
        subject: subject.name,
        version: file.version,
        rule: CheckRule.VERSION_CHANGED,
        path: shown(file.file),
        context: options.label,
        severity: 'error',
        message: `v${file.version}.avsc differs from ${describe(publishedVersion.version)} at ${options.label}: a published version cannot change, data was written with it; restore it and put the change in v${subject.versions.length + 1}.avsc`,
      });
    }
  }

  const modes: CompatibilityMode[] = options.kind === 'git' ? [subject.compatibility] : [...new Set([base.compatibility, subject.compatibility])];
  if (base.compatibility !== subject.compatibility) {
    findings.push({
      subject: subject.name,
      version: subject.versions.length,
      rule: CheckRule.MODE_CHANGED,
      path: join(folder, 'subject.json'),
      context: options.label,
      severity: 'warning',
      message:
        options.kind === 'git'
          ? `compatibility changes from ${base.compatibility} at ${options.label} to ${subject.compatibility}; new versions are checked under ${subject.compatibility}`
          : `subject.json declares ${subject.compatibility}, the ${options.label} has ${base.compatibility}; Glue judges new versions by its own mode, so they are checked under both (deploying the schemas stack sets the registry's mode)`,
    });
  }

  // The published definitions are the chain's truth, even where the working tree edited one.
  const chain = [...base.versions, ...ownChain.slice(base.versions.length)];
  findings.push(...checkVersions({ subject: subject.name, modes, chain, published: base.versions.length }));
  return {
    subject: subject.name,
    compatibility: subject.compatibility,
    publishedCompatibility: base.compatibility,
    versions: ownChain.length,
    published: base.versions.length,
    newVersions: ownChain.slice(base.versions.length).map((v) => v.version),
    checkedUnder: modes,
    findings,
  };
}
