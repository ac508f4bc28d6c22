/**
 * Avro schema compatibility, as the AWS Glue Schema Registry judges it, on
 * plain schema JSON and without AWS: CI runs it to reject an incompatible
 * schema version before anything is deployed, and to say which field broke
 * which rule. Both halves follow Apache Avro Java 1.11.4, which Glue runs:
 * validity is its Schema.Parser's (`schema-parser.ts`), the resolution rules
 * its SchemaCompatibility's (`resolution-rules.ts`, applied by
 * `schema-resolution.ts`, where the path scheme of an issue is documented).
 * `test/conformance/avro` checks the agreement against Avro Java itself.
 */
import { fromJsValue, parseLosslessJson } from './lossless-json.js';
import type { JsonValue } from './lossless-json.js';
import { parseAvroSchemaGraph } from './schema-parser.js';
import type { AvroNode } from './avro-node.js';
import { InvalidSchemaError, InvalidSchemaErrorReason, SerdeArgumentError } from './errors.js';
import { ResolutionRule } from './resolution-rules.js';
import { resolveSchemas, schemaRootPath } from './schema-resolution.js';

/**
 * Glue's compatibility modes.
 * @see https://docs.aws.amazon.com/glue/latest/dg/schema-registry.html#schema-registry-compatibility
 */
export const CompatibilityMode = {
  /** No check: any new version is accepted. */
  NONE: 'NONE',
  /** No new versions at all: only a first version is accepted. */
  DISABLED: 'DISABLED',
  /** The new schema can read data written with the latest version. */
  BACKWARD: 'BACKWARD',
  /** The new schema can read data written with every prior version. */
  BACKWARD_ALL: 'BACKWARD_ALL',
  /** The latest version can read data written with the new schema. */
  FORWARD: 'FORWARD',
  /** Every prior version can read data written with the new schema. */
  FORWARD_ALL: 'FORWARD_ALL',
  /** BACKWARD and FORWARD against the latest version. */
  FULL: 'FULL',
  /** BACKWARD_ALL and FORWARD_ALL. */
  FULL_ALL: 'FULL_ALL',
} as const;
export type CompatibilityMode = (typeof CompatibilityMode)[keyof typeof CompatibilityMode];

export function isCompatibilityMode(value: string): value is CompatibilityMode {
  return (Object.values(CompatibilityMode) as string[]).includes(value);
}

/** Every rule an issue or a violation can name. */
export const CompatibilityRule = {
  ...ResolutionRule,
  /** The mode is DISABLED and the subject already has a version. */
  VERSIONING_DISABLED: 'VERSIONING_DISABLED',
} as const;
export type CompatibilityRule = (typeof CompatibilityRule)[keyof typeof CompatibilityRule];

export interface CompatibilityIssue {
  readonly rule: CompatibilityRule;
  /** Where, in the reader schema's terms: `OrderEvent.payload.items[].sku` (see `schema-resolution.ts`). */
  readonly path: string;
  /** One sentence naming the field and the types involved. */
  readonly message: string;
}

export type CompatibilityDirection = 'new-reads-prior' | 'prior-reads-new' | 'versioning';

export interface CompatibilityViolation extends CompatibilityIssue {
  readonly againstVersion: number;
  readonly direction: CompatibilityDirection;
}

export interface CompatibilityVerdict {
  readonly compatible: boolean;
  readonly mode: CompatibilityMode;
  readonly violations: readonly CompatibilityViolation[];
}

/**
 * A schema as JSON text, or already parsed. A bare primitive name
 * (`string`, without JSON quotes) is accepted as that primitive.
 */
export type AvroSchemaInput = string | object;

export interface CheckCompatibilityOptions {
  /**
   * The version number of `priorVersions[0]`; the others follow in order.
   * @default 1
   */
  readonly firstVersionNumber?: number;
}

const PRIMITIVE_NAMES: readonly string[] = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Validates a schema as Avro Java does and builds the graph the rules walk.
 * Text is parsed losslessly, so a default like `1.0` or `9007199254740993`
 * is judged as written; an already parsed value is judged as JS holds it.
 */
function parseSchema(input: AvroSchemaInput, label: string): AvroNode {
  const subject = label.charAt(0).toUpperCase() + label.slice(1);
  let value: JsonValue;
  if (typeof input === 'string') {
    const text = input.trim();
    try {
      // A bare primitive name is accepted as that primitive.
      value = PRIMITIVE_NAMES.includes(text) ? text : parseLosslessJson(text);
    } catch (cause) {
      throw new InvalidSchemaError(`${subject} is not valid JSON: ${errorText(cause)}`, InvalidSchemaErrorReason.NOT_JSON, label, { cause });
    }
  } else {
    value = fromJsValue(input);
  }
  try {
    return parseAvroSchemaGraph(value);
  } catch (cause) {
    throw new InvalidSchemaError(`${subject} is not a valid Avro schema: ${errorText(cause)}`, InvalidSchemaErrorReason.NOT_AVRO, label, { cause });
  }
}

/**
 * Whether data written with `writer` can be read with `reader`, by the Avro
 * 1.11 schema resolution rules. Returns every issue found; empty means
 * compatible. Throws `InvalidSchemaError` if either schema is not valid Avro.
 */
export function canRead(reader: AvroSchemaInput, writer: AvroSchemaInput): CompatibilityIssue[] {
  const labels = { reader: 'the reader schema', writer: 'the writer schema' };
  return resolveSchemas(parseSchema(reader, labels.reader), parseSchema(writer, labels.writer), labels);
}

/** Which prior versions a mode compares with, and in which directions. */
const MODE_CHECKS: Readonly<
  Record<Exclude<CompatibilityMode, 'DISABLED'>, { readonly against: 'none' | 'latest' | 'all'; readonly newReadsPrior: boolean; readonly priorReadsNew: boolean }>
> = {
  NONE: { against: 'none', newReadsPrior: false, priorReadsNew: false },
  BACKWARD: { against: 'latest', newReadsPrior: true, priorReadsNew: false },
  BACKWARD_ALL: { against: 'all', newReadsPrior: true, priorReadsNew: false },
  FORWARD: { against: 'latest', newReadsPrior: false, priorReadsNew: true },
  FORWARD_ALL: { against: 'all', newReadsPrior: false, priorReadsNew: true },
  FULL: { against: 'latest', newReadsPrior: true, priorReadsNew: true },
  FULL_ALL: { against: 'all', newReadsPrior: true, priorReadsNew: true },
};

/**
 * Checks a candidate schema against a subject's prior versions (oldest
 * first) under a Glue compatibility mode. The candidate is always validated;
 * a prior version only when the mode compares with it, so an old version
 * Avro would reject does not block a mode that no longer looks at it.
 * Violations come oldest version first, new-reads-prior before prior-reads-new.
 */
export function checkCompatibility(
  mode: CompatibilityMode,
  candidate: AvroSchemaInput,
  priorVersions: readonly AvroSchemaInput[],
  options: CheckCompatibilityOptions = {},
): CompatibilityVerdict {
  if (!isCompatibilityMode(mode)) {
    throw new SerdeArgumentError(`Unknown compatibility mode '${String(mode)}'; expected one of ${Object.values(CompatibilityMode).join(', ')}.`, 'mode', mode);
  }
  const firstVersion = options.firstVersionNumber ?? 1;
  if (!Number.isInteger(firstVersion) || firstVersion < 1) {
    throw new SerdeArgumentError(`firstVersionNumber must be an integer of at least 1, got ${firstVersion}.`, 'firstVersionNumber', firstVersion);
  }
  const newLabel = 'the new schema';
  const candidateGraph = parseSchema(candidate, newLabel);
  const latestVersion = firstVersion + priorVersions.length - 1;
  const violations: CompatibilityViolation[] = [];

  if (mode === CompatibilityMode.DISABLED) {
    if (priorVersions.length > 0) {
      violations.push({
        rule: CompatibilityRule.VERSIONING_DISABLED,
        path: schemaRootPath(candidateGraph),
        message: `Compatibility mode DISABLED accepts no new version, and the subject already has version ${latestVersion}.`,
        againstVersion: latestVersion,
        direction: 'versioning',
      });
    }
    return { compatible: violations.length === 0, mode, violations };
  }

  const checks = MODE_CHECKS[mode];
  const compared = checks.against === 'all' ? priorVersions : checks.against === 'latest' ? priorVersions.slice(-1) : [];
  const firstCompared = latestVersion - compared.length + 1;
  for (const [offset, priorInput] of compared.entries()) {
    const version = firstCompared + offset;
    const versionLabel = `version ${version}`;
    const prior = parseSchema(priorInput, versionLabel);
    if (checks.newReadsPrior) {
      for (const issue of resolveSchemas(candidateGraph, prior, { reader: newLabel, writer: versionLabel })) {
        violations.push({ ...issue, againstVersion: version, direction: 'new-reads-prior' });
      }
    }
    if (checks.priorReadsNew) {
      for (const issue of resolveSchemas(prior, candidateGraph, { reader: versionLabel, writer: newLabel })) {
        violations.push({ ...issue, againstVersion: version, direction: 'prior-reads-new' });
      }
    }
  }
  return { compatible: violations.length === 0, mode, violations };
}

const DIRECTION_TEXT: Readonly<Record<CompatibilityDirection, string>> = {
  'new-reads-prior': 'new reads prior',
  'prior-reads-new': 'prior reads new',
  versioning: 'versioning',
};

/**
 * One line for CLI output, e.g.
 * `READER_FIELD_MISSING_DEFAULT at OrderEvent.payload.shipping_method (version 1, new reads prior): Field '…' is …`
 */
export function formatViolation(violation: CompatibilityViolation): string {
  return `${violation.rule} at ${violation.path} (version ${violation.againstVersion}, ${DIRECTION_TEXT[violation.direction]}): ${violation.message}`;
}
