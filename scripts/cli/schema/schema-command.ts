import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { envOption, resolveTarget, type PipelineTarget } from '../ops/pipeline-target.js';
import { checkReportLines } from './check-report.js';
import { formatFinding } from './findings.js';
import { checkSchemas, type CheckBaseline, type SchemaCheckOutcome, type SchemaCheckResult } from './schema-check.js';
import { registerNewVersions, type RegisteredVersion } from './schema-registrar.js';

/** What the schema commands need of a target: its registry. */
export type SchemaTarget = Pick<PipelineTarget, 'glue' | 'registryName' | 'label' | 'close'>;

export interface SchemaCommandIo {
  readonly write: (line: string) => void;
  /** @default resolveTarget: `--env <name>` for AWS, else the running local stack */
  readonly target?: (env: string | undefined) => Promise<SchemaTarget>;
}

export interface SchemaCheckCommandOptions {
  /** `registry`, or a git ref. */
  readonly against?: string;
  readonly schemas?: string;
  readonly subject?: string;
  readonly env?: string;
  readonly json?: boolean;
}

export interface SchemaRegisterCommandOptions {
  readonly schemas?: string;
  readonly subject?: string;
  readonly env?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

const REGISTRY = 'registry';

/** `rtp schema check` and `rtp schema register`. */
export function registerSchemaCommands(program: Command): void {
  const schema = program.command('schema').description('Check schemas/ against the compatibility modes, a git ref or the registry, and register new versions');
  const write = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  schema
    .command('check')
    .description(
      "Check every subject's versions under its declared compatibility mode; exits 1 with one line per violation (subject, version, field, rule). " +
        'With --against <git-ref>, published versions must be unchanged and new ones compatible; with --against registry, the same against the target\'s Glue registry',
    )
    .option('--against <registry|git-ref>', "compare with the target's registry, or with schemas/ at a git ref (e.g. origin/main)")
    .option('--schemas <dir>', 'the schemas folder (default: the repository\'s schemas/)')
    .option('--subject <name>', 'only this subject')
    .addOption(envOption('with --against registry: a deployed environment; default the local stack'))
    .option('--json', 'print the result as JSON')
    .action(async (options: SchemaCheckCommandOptions) => {
      process.exitCode = await schemaCheckCommand(options, { write });
    });

  schema
    .command('register')
    .description("Register the versions schemas/ has and the target's registry does not, in order, after checking them against the registry; idempotent")
    .option('--subject <name>', 'only this subject')
    .option('--dry-run', 'check and print what would be registered, register nothing')
    .option('--schemas <dir>', 'the schemas folder (default: the repository\'s schemas/)')
    .addOption(envOption('a deployed environment; default the local stack'))
    .option('--json', 'print the result as JSON')
    .action(async (options: SchemaRegisterCommandOptions) => {
      process.exitCode = await schemaRegisterCommand(options, { write });
    });
}

/** Runs `rtp schema check`; resolves to the exit code (0: passed, 1: errors found). */
export async function schemaCheckCommand(options: SchemaCheckCommandOptions, io: SchemaCommandIo): Promise<number> {
  if (options.env !== undefined && options.against !== REGISTRY) throw new CliError('--env only applies with --against registry');
  const against = options.against;
  if (against === REGISTRY) {
    return withTarget(options.env, io, async (target) => {
      const outcome = await runCheck(options, { kind: 'registry', registry: target });
      printCheck(outcome, options, io, 'registry', `registry ${target.registryName}`);
      return outcome.result.ok ? 0 : 1;
    });
  }
  if (against !== undefined && against.trim() === '') throw new CliError("--against needs 'registry' or a git ref");
  const baseline: CheckBaseline = against === undefined ? { kind: 'files' } : { kind: 'git', ref: against };
  const outcome = await runCheck(options, baseline);
  printCheck(outcome, options, io, baseline.kind, against ?? '');
  return outcome.result.ok ? 0 : 1;
}

/** Runs `rtp schema register`; resolves to the exit code (0: registered or nothing to do, 1: the check failed). */
export async function schemaRegisterCommand(options: SchemaRegisterCommandOptions, io: SchemaCommandIo): Promise<number> {
  return withTarget(options.env, io, async (target) => {
    const outcome = await runCheck(options, { kind: 'registry', registry: target });
    if (!outcome.result.ok) {
      if (options.json === true) io.write(JSON.stringify({ ok: false, registered: [], check: jsonResult(outcome.result) }, null, 2));
      else for (const line of checkReportLines(outcome.result, 'registry', `registry ${target.registryName}`)) io.write(line);
      if (options.json !== true) io.write('nothing registered: fix the errors above first');
      return 1;
    }
    const dryRun = options.dryRun === true;
    const onRegistered = options.json === true ? undefined : (v: RegisteredVersion): void => io.write(registeredLine(v, dryRun, target.registryName));
    const registered = await registerNewVersions(target, outcome.subjects, outcome.result.subjects, outcome.registrySubjects, {
      dryRun,
      onRegistered,
    });
    if (options.json === true) {
      io.write(JSON.stringify({ ok: true, dryRun, registry: target.registryName, target: target.label, registered, check: jsonResult(outcome.result) }, null, 2));
    } else {
      for (const finding of outcome.result.findings) io.write(formatFinding(finding));
      io.write(
        registered.length === 0
          ? `registry ${target.registryName} on the ${target.label} is up to date: nothing to register`
          : `${dryRun ? 'would register' : 'registered'} ${registered.length} version(s) in registry ${target.registryName} on the ${target.label}`,
      );
    }
    return 0;
  });
}

function runCheck(options: { schemas?: string; subject?: string }, baseline: CheckBaseline): Promise<SchemaCheckOutcome> {
  return checkSchemas({
    baseline,
    schemasDir: options.schemas,
    subject: options.subject,
  });
}

function printCheck(outcome: SchemaCheckOutcome, options: { json?: boolean }, io: SchemaCommandIo, kind: CheckBaseline['kind'], label: string): void {
  // Each finding once, at the top level; subjects carry their error count.
  if (options.json === true) io.write(JSON.stringify(jsonResult(outcome.result), null, 2));
  else for (const line of checkReportLines(outcome.result, kind, label)) io.write(line);
}

async function withTarget(env: string | undefined, io: SchemaCommandIo, use: (target: SchemaTarget) => Promise<number>): Promise<number> {
  const target = await (io.target ?? ((e) => resolveTarget(e === undefined ? {} : { env: e })))(env);
  try {
    return await use(target);
  } finally {
    target.close();
  }
}

function registeredLine(v: RegisteredVersion, dryRun: boolean, registryName: string): string {
  const what = v.createdSchema ? `schema ${v.subject} with v${v.version}` : `${v.subject} v${v.version}`;
  if (dryRun) return `would ${v.createdSchema ? 'create' : 'register'} ${what} in registry ${registryName}`;
  return `${v.createdSchema ? 'created' : 'registered'} ${what} as registry version ${v.registryVersion ?? '?'} (${v.schemaVersionId ?? '?'})`;
}

function jsonResult(result: SchemaCheckResult): object {
  return {
    ...result,
    subjects: result.subjects.map(({ findings, ...subject }) => ({ ...subject, errors: findings.filter((f) => f.severity === 'error').length })),
  };
}
