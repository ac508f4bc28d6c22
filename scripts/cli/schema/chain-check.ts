import { checkCompatibility, type CompatibilityMode } from '../../../functions/core/serde/compatibility.js';
import { InvalidSchemaError } from '../../../functions/core/serde/errors.js';
import { CheckRule, violationFinding, type SchemaFinding } from './findings.js';

/** A version in a subject's chain, numbered as its file is (v<N>.avsc). */
export interface ChainVersion {
  readonly version: number;
  readonly definition: string;
}

export interface CheckVersionsInput {
  readonly subject: string;
  /**
   * The modes each new version must satisfy; usually one. Two when the
   * registry's mode differs from subject.json's: Glue judges by its own, and
   * the files promise theirs.
   */
  readonly modes: readonly CompatibilityMode[];
  /** The whole chain, oldest first: what was published, then the new versions. */
  readonly chain: readonly ChainVersion[];
  /** How many versions at the start of `chain` are already published and are not checked again. */
  readonly published: number;
}

/**
 * Checks each new version against the versions before it, as each mode
 * requires (the mode decides whether it is the latest or all of them, and
 * in which direction). A violation found under two modes is reported once,
 * under the first.
 */
export function checkVersions(input: CheckVersionsInput): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (let index = Math.max(input.published, 1); index < input.chain.length; index += 1) {
    const candidate = input.chain[index];
    if (candidate === undefined) continue;
    const prior = input.chain.slice(0, index).map((v) => v.definition);
    for (const mode of input.modes) {
      let violations;
      try {
        ({ violations } = checkCompatibility(mode, candidate.definition, prior));
      } catch (error) {
        if (!(error instanceof InvalidSchemaError)) throw error;
        findings.push(invalidSchemaFinding(input.subject, candidate.version, error));
        return findings;
      }
      for (const violation of violations) {
        const key = `${candidate.version}|${violation.againstVersion}|${violation.rule}|${violation.path}|${violation.direction}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(violationFinding(input.subject, candidate.version, mode, violation));
      }
    }
  }
  return findings;
}

// The checker names the schema it could not parse: "the new schema" or "version N".
function invalidSchemaFinding(subject: string, candidateVersion: number, error: InvalidSchemaError): SchemaFinding {
  const named = /^version (\d+)$/.exec(error.schema)?.[1];
  return {
    subject,
    version: named === undefined ? candidateVersion : Number(named),
    rule: CheckRule.INVALID_SCHEMA,
    context: error.reason,
    severity: 'error',
    message: error.message,
  };
}
