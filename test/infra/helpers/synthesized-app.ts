import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { EnvironmentName } from '../../../lib/config/environments.js';
import { buildPipelineApp } from '../../../lib/pipeline-app.js';
import { ensurePythonVenv } from '../../../scripts/devstack/python-venv.js';
import { subjects } from './unbundled-app.js';

const run = promisify(execFile);

/** A cdk-nag finding as the synthesized assembly records it. */
export interface NagFinding {
  readonly stack: string;
  readonly path: string;
  readonly level: string;
  readonly message: string;
}

/** One environment's app, synthesized to a folder of its own as `cdk synth` would. */
export async function synthesizeEnvironment(env: EnvironmentName): Promise<{ assembly: CloudAssembly; outdir: string }> {
  const outdir = await mkdtemp(join(tmpdir(), `rtp-synth-${env}-`));
  const app = new App({ outdir, context: { env } });
  buildPipelineApp(app, { subjects });
  return { assembly: app.synth(), outdir };
}

/** Every cdk-nag AwsSolutions error and warning left unsuppressed in the assembly. */
export function nagFindings(assembly: CloudAssembly): NagFinding[] {
  const text = (data: unknown): string => (typeof data === 'string' ? data : JSON.stringify(data));
  return assembly.stacks.flatMap((stack) =>
    stack.messages
      .filter((m) => /AwsSolutions-/.test(text(m.entry.data)))
      .map((m) => ({ stack: stack.stackName, path: m.id, level: m.level, message: text(m.entry.data).split('\n')[0] ?? '' })),
  );
}

/** A cfn-lint match (its JSON output format). */
export interface CfnLintMatch {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** Runs cfn-lint from the project's venv on every template in `outdir`. */
export async function cfnLint(outdir: string): Promise<CfnLintMatch[]> {
  const venv = await ensurePythonVenv();
  const templates = (await readdir(outdir)).filter((f) => f.endsWith('.template.json')).map((f) => join(outdir, f));
  if (templates.length === 0) throw new Error(`No templates in ${outdir}`);
  try {
    const { stdout } = await run(join(venv.bin, 'cfn-lint'), ['--format', 'json', '--', ...templates], { maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout || '[]') as CfnLintMatch[];
  } catch (error) {
    // cfn-lint exits non-zero whenever it matched something; its JSON is still on stdout.
    const { stdout, code } = error as { stdout?: string; code?: number };
    if (typeof code === 'number' && stdout !== undefined && stdout.trim().startsWith('[')) return JSON.parse(stdout) as CfnLintMatch[];
    throw error;
  }
}
