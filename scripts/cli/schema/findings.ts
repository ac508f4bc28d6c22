import type { CompatibilityDirection, CompatibilityMode, CompatibilityRule, CompatibilityViolation } from '../../../functions/core/serde/compatibility.js';

/**
 * What a schema check found, one per line of output: a compatibility
 * violation (the checker's rule and path), or a difference between the
 * working tree and what was published (a git ref or the registry).
 */

/** Rules about the files and what was published, beside the checker's compatibility rules. */
export const CheckRule = {
  /** A version is not a schema the checker accepts (avsc with named types required). */
  INVALID_SCHEMA: 'INVALID_SCHEMA',
  /** A version that was published (at the git ref, or in the registry) has a different definition now. */
  VERSION_CHANGED: 'VERSION_CHANGED',
  /** A version that was published is gone from schemas/. */
  VERSION_REMOVED: 'VERSION_REMOVED',
  /** A subject that was published is gone from schemas/. */
  SUBJECT_REMOVED: 'SUBJECT_REMOVED',
  /** subject.json declares another compatibility mode than the git ref or the registry has. */
  MODE_CHANGED: 'MODE_CHANGED',
} as const;
export type CheckRule = (typeof CheckRule)[keyof typeof CheckRule];

export type FindingRule = CompatibilityRule | CheckRule;

/** An error fails the check; a warning is reported and does not. */
export type FindingSeverity = 'error' | 'warning';

export interface SchemaFinding {
  readonly subject: string;
  /** The version the finding is about (the file's number, v<N>.avsc). */
  readonly version: number;
  /** The earlier version it was compared with, for compatibility violations. */
  readonly againstVersion?: number;
  readonly rule: FindingRule;
  /** The field path for compatibility violations (`StockMovement.quantity`), the file otherwise. */
  readonly path?: string;
  /** The mode a violation breaks, or what a publication finding compares with ('origin/main', 'registry realtime-pipeline-dev'). */
  readonly context: string;
  readonly direction?: CompatibilityDirection;
  readonly severity: FindingSeverity;
  readonly message: string;
}

export function violationFinding(subject: string, version: number, mode: CompatibilityMode, violation: CompatibilityViolation): SchemaFinding {
  return {
    subject,
    version,
    againstVersion: violation.againstVersion,
    rule: violation.rule,
    path: violation.path,
    context: mode,
    direction: violation.direction,
    severity: 'error',
    message: violation.message,
  };
}

/**
 * One line, e.g.
 * `stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement.quantity (BACKWARD): Field …`
 */
export function formatFinding(finding: SchemaFinding): string {
  const against = finding.againstVersion === undefined ? '' : ` vs v${finding.againstVersion}`;
  const at = finding.path === undefined ? '' : ` at ${finding.path}`;
  const level = finding.severity === 'warning' ? 'warning: ' : '';
  return `${level}${finding.subject} v${finding.version}${against}: ${finding.rule}${at} (${finding.context}): ${finding.message}`;
}

export function hasErrors(findings: readonly SchemaFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
