import { App, Aspects, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { dev } from '../../../lib/config/dev.js';
import { validateEnvironmentConfig, type EnvironmentConfig } from '../../../lib/config/environments.js';
import { prod } from '../../../lib/config/prod.js';
import { NetworkStack } from '../../../lib/stacks/network-stack.js';
import { StreamingStack } from '../../../lib/stacks/streaming-stack.js';

/** What the streaming stack's tests share: the configs, one synth per config, and a consumer stack to grant to. */

export const prodConfig = validateEnvironmentConfig('prod', prod);
export const devConfig = validateEnvironmentConfig('dev', dev);

export interface StreamingSynth {
  readonly app: App;
  readonly streaming: StreamingStack;
  readonly template: Template;
}

const cache = new Map<EnvironmentConfig, StreamingSynth>();

/** One synth per config and test file (bundling the topics function is the slow part), checked with cdk-nag; tests only read it. */
export function synthStreaming(config: EnvironmentConfig): StreamingSynth {
  const cached = cache.get(config);
  if (cached !== undefined) return cached;
  const app = new App();
  const network = new NetworkStack(app, `realtime-pipeline-${config.name}-network`, { config });
  const streaming = new StreamingStack(app, `realtime-pipeline-${config.name}-streaming`, { config, vpc: network.vpc });
  Aspects.of(streaming).add(new AwsSolutionsChecks());
  const result = { app, streaming, template: Template.fromStack(streaming) };
  cache.set(config, result);
  return result;
}

export function expectNagClean(stack: Stack): void {
  const annotations = Annotations.fromStack(stack);
  expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
}

export type PolicyStatement = { Action: string | string[]; Resource: unknown };

/** The statements of the one policy of a consumer stack. */
export function policyStatements(stack: Stack): PolicyStatement[] {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: PolicyStatement[] } } }>;
  return Object.values(resources).find((r) => r.Type === 'AWS::IAM::Policy')?.Properties.PolicyDocument?.Statement ?? [];
}

/** A role in a stack of its own, next to prod's streaming stack. */
export function consumerRole(): { stack: Stack; role: iam.Role; streaming: StreamingStack } {
  // A fresh app per test (grants change the tree), without bundling the topics function again.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const network = new NetworkStack(app, 'realtime-pipeline-prod-network', { config: prodConfig });
  const streaming = new StreamingStack(app, 'realtime-pipeline-prod-streaming', { config: prodConfig, vpc: network.vpc });
  const stack = new Stack(app, 'consumer');
  return { stack, streaming, role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) };
}
