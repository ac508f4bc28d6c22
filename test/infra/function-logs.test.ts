import { App, Stack, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../lib/config/environments.js';
import { routeProviderLogs } from '../../lib/constructs/provider-logs.js';
import { buildUnbundledApp, prodWithDms } from './helpers/unbundled-app.js';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/**
 * For every Lambda function of the stacks (our own, custom resources', the
 * Provider framework's and aws-cdk-lib's singletons alike), the problem with
 * its logs, or none: each must log to a log group of its own stack that has
 * a retention and a KMS key, not to the group Lambda would create unencrypted
 * and kept forever.
 */
function functionLogProblems(stacks: readonly Stack[]): { functions: number; problems: string[] } {
  let functions = 0;
  const problems: string[] = [];
  for (const stack of stacks) {
    const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> }).Resources;
    for (const [id, fn] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
      functions += 1;
      const where = `${stack.stackName}/${id}`;
      const ref = ((fn.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup as { Ref?: string } | undefined)?.Ref;
      const group = ref === undefined ? undefined : resources[ref];
      if (group?.Type !== 'AWS::Logs::LogGroup') {
        problems.push(`${where}: LoggingConfig.LogGroup is not a log group of its stack`);
        continue;
      }
      if (typeof group.Properties?.RetentionInDays !== 'number') problems.push(`${where}: log group ${ref} has no retention`);
      if (group.Properties?.KmsKeyId === undefined) problems.push(`${where}: log group ${ref} has no KMS key`);
    }
  }
  return { functions, problems };
}

describe('function log groups', () => {
  it.each(ENVIRONMENT_NAMES)('give every Lambda function of %s an explicit log group with retention and a KMS key', (env) => {
    const { functions, problems } = functionLogProblems(buildUnbundledApp(env).all);

    // The processors, the topics handler and its framework, the broker lookup, the default-group
    // function, the two registration handlers and the registration framework's three functions;
    // in dev, whose buckets are deleted with it, also the function that empties them.
    expect(functions).toBe(env === 'dev' ? 12 : 11);
    expect(problems).toEqual([]);
  });

  it('give every Lambda function an explicit log group with DMS in place of Debezium (prod)', () => {
    expect(functionLogProblems(buildUnbundledApp('prod', prodWithDms()).all).problems).toEqual([]);
  });

  it('throws naming the provider when routeProviderLogs finds no such provider in the stack', () => {
    const stack = new Stack(new App(), 'plain');

    expect(() => routeProviderLogs(stack, 'Custom::RenamedProvider', new logs.LogGroup(stack, 'Logs'))).toThrow(
      /routeProviderLogs: no custom resource provider 'Custom::RenamedProvider' with a Handler function in stack plain/,
    );
  });

  it('catch a function that logs to the default group', () => {
    const stack = new Stack(new App(), 'plain');
    new lambda.Function(stack, 'Plain', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});') });

    expect(functionLogProblems([stack]).problems).toEqual([expect.stringMatching(/^plain\/Plain[0-9A-F]+: LoggingConfig\.LogGroup is not a log group of its stack$/)]);
  });
});
