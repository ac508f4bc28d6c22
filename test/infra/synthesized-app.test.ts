import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../lib/config/environments.js';
import { cfnLint, nagFindings, synthesizeEnvironment } from './helpers/synthesized-app.js';

const run = promisify(execFile);

// The whole app per environment, as `cdk synth -c env=<name>` builds it:
// every template must pass cdk-nag's AwsSolutions pack and cfn-lint.
const synthesized = new Map<EnvironmentName, { assembly: CloudAssembly; outdir: string }>();

beforeAll(async () => {
  for (const env of ENVIRONMENT_NAMES) synthesized.set(env, await synthesizeEnvironment(env));
}, 300_000);

describe.each(ENVIRONMENT_NAMES)('the %s app', (env) => {
  it('has no unsuppressed cdk-nag AwsSolutions finding', () => {
    expect(nagFindings(synthesized.get(env)!.assembly)).toEqual([]);
  });

  it('passes cfn-lint with zero errors', async () => {
    const matches = await cfnLint(synthesized.get(env)!.outdir);
    const errors = matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${m.Location.Path.join('/')}: ${m.Message}`);
    expect(errors).toEqual([]);
  }, 300_000);
});

describe('cdk synth on the command line', () => {
  it('synthesizes prod with no AWS credentials, profile or instance metadata', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'rtp-cdk-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[key];
    await run('npx', ['cdk', 'synth', '-c', 'env=prod', '--quiet', '--no-notices', '-o', outdir], { env, maxBuffer: 64 * 1024 * 1024 });
    const templates = (await readdir(outdir)).filter((f) => f.endsWith('.template.json'));
    expect(templates.sort()).toEqual(expect.arrayContaining(['realtime-pipeline-prod-schemas.template.json', 'realtime-pipeline-prod-processing.template.json']));
  }, 300_000);
});

describe('the checks themselves', () => {
  it('catch an unencrypted queue (cdk-nag) and an invalid property (cfn-lint)', async () => {
    const { App, Stack, Aspects, aws_sqs: sqs, aws_logs: logs } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const outdir = await mkdtemp(join(tmpdir(), 'rtp-synth-broken-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'broken');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 42 });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const assembly = app.synth();

    expect(nagFindings(assembly).map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS3/), expect.stringMatching(/^AwsSolutions-SQS4/)]));
    const errors = (await cfnLint(outdir)).filter((m) => m.Level === 'Error');
    expect(errors.map((m) => m.Location.Path.join('/'))).toContain('Resources/Logs/Properties/RetentionInDays');
  }, 120_000);
});
