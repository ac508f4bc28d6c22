import { formatFinding } from './findings.js';
import type { SubjectComparison } from './published-comparison.js';
import type { SchemaCheckResult } from './schema-check.js';

/** The human output of `rtp schema check`: one line per finding, then one summary line per subject. */
export function checkReportLines(result: SchemaCheckResult, baselineKind: 'files' | 'git' | 'registry', baselineLabel: string): string[] {
  const lines = result.findings.map(formatFinding);
  for (const subject of result.subjects) lines.push(summaryLine(subject, baselineKind, baselineLabel));
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  lines.push(
    result.ok
      ? `schema check passed against ${result.against}: ${result.subjects.length} subject(s)`
      : `schema check failed against ${result.against}: ${errors} error(s); see docs/runbooks/schema-change-rejected.md`,
  );
  return lines;
}

function summaryLine(subject: SubjectComparison, kind: 'files' | 'git' | 'registry', label: string): string {
  const errors = subject.findings.filter((f) => f.severity === 'error').length;
  const head = `${errors === 0 ? 'ok  ' : 'FAIL'} ${subject.subject}`;
  const failed = errors === 0 ? '' : ` (${errors} error(s))`;
  const modes = subject.checkedUnder.join(' and ');
  if (kind === 'files') {
    const chain = range(1, subject.versions);
    return subject.versions < 2 ? `${head}: ${chain} under ${subject.compatibility}, nothing to compare yet${failed}` : `${head}: ${chain} checked in order under ${subject.compatibility}${failed}`;
  }
  if (subject.versions === 0) return `${head}: removed since ${label}${failed}`;
  const fresh = subject.newVersions.length === 0 ? '' : range(subject.newVersions[0] ?? 1, subject.versions);
  if (subject.published === 0) {
    const where = kind === 'git' ? `new since ${label}` : `not in ${label}`;
    return `${head}: ${where}; ${fresh} ${kind === 'registry' ? 'to register, ' : ''}checked under ${modes}${failed}`;
  }
  const known = `${range(1, subject.published)} ${kind === 'git' ? `as at ${label}` : `in ${label}`}`;
  if (fresh === '') return `${head}: ${known}, nothing new${failed}`;
  return `${head}: ${known}; ${fresh} ${kind === 'registry' ? 'to register, ' : 'new, '}checked under ${modes}${failed}`;
}

function range(from: number, to: number): string {
  return from >= to ? `v${from}` : `v${from}..v${to}`;
}
