import { CfnResource, Stack, type aws_logs as logs } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ConstructPropsError } from '../errors.js';

/**
 * Sends the logs of a CDK-internal custom resource provider (the kind
 * aws-cdk-lib creates once per stack for a feature, such as the VPC's
 * `Custom::VpcRestrictDefaultSG`) to `logGroup`. Those providers take no
 * logging option, so the function's LoggingConfig is set on its L1
 * resource. Throws when the provider is not in the stack, so an
 * aws-cdk-lib that renames it fails synth instead of logging unencrypted
 * and forever.
 */
export function routeProviderLogs(scope: IConstruct, providerId: string, logGroup: logs.ILogGroup): void {
  const stack = Stack.of(scope);
  const handler = stack.node.tryFindChild(providerId)?.node.tryFindChild('Handler');
  if (!(handler instanceof CfnResource) || handler.cfnResourceType !== 'AWS::Lambda::Function') {
    throw new ConstructPropsError(`routeProviderLogs: no custom resource provider '${providerId}' with a Handler function in stack ${stack.stackName}`);
  }
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  handler.node.addDependency(logGroup);
}
