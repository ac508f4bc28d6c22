import type { custom_resources as cr } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';

/** The framework functions a Provider creates: onEvent always, isComplete and onTimeout with an isComplete handler. */
const FRAMEWORK_FUNCTIONS = ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout'] as const;
/** The Step Functions waiter a Provider creates with an isComplete handler. */
const WAITER = 'waiter-state-machine';
/** `<function ARN>:*`, the versions of a function the framework may invoke. */
const FUNCTION_VERSIONS = { regex: '/^Resource::<.*\\.Arn>:\\*$/g' };

/**
 * The cdk-nag findings of the CDK Provider framework, suppressed on the
 * resource each belongs to with that principal's own reason: the framework
 * functions (Lambda) log with the basic execution role, run the runtime
 * aws-cdk-lib pins and invoke the versions of the handlers; the waiter
 * (Step Functions) invokes the framework's versions and keeps no logs of
 * its own.
 */
export function suppressProviderFrameworkFindings(provider: cr.Provider): void {
  for (const id of FRAMEWORK_FUNCTIONS) {
    const fn = provider.node.tryFindChild(id);
    if (fn === undefined) continue;
    NagSuppressions.addResourceSuppressions(
      fn,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason: 'Provider framework function: AWSLambdaBasicExecutionRole only lets it write its logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
        { id: 'AwsSolutions-IAM5', reason: "Provider framework function: it may invoke the versions (<function ARN>:*) of this provider's own handlers, nothing else.", appliesTo: [FUNCTION_VERSIONS] },
        { id: 'AwsSolutions-L1', reason: 'Provider framework function: aws-cdk-lib pins its runtime and upgrades it with the library.' },
      ],
      true,
    );
  }
  const waiter = provider.node.tryFindChild(WAITER);
  if (waiter === undefined) return;
  NagSuppressions.addResourceSuppressions(waiter, [
    { id: 'AwsSolutions-SF1', reason: 'Provider waiter state machine: it only polls isComplete at deploy time; the framework functions log each poll.' },
    { id: 'AwsSolutions-SF2', reason: 'Provider waiter state machine: X-Ray traces of a deploy-time poll add nothing to the framework functions logs.' },
  ]);
  const role = waiter.node.tryFindChild('Role');
  if (role !== undefined) {
    NagSuppressions.addResourceSuppressions(
      role,
      [{ id: 'AwsSolutions-IAM5', reason: "Provider waiter state machine role: it may invoke the versions (<function ARN>:*) of this provider's framework functions, nothing else.", appliesTo: [FUNCTION_VERSIONS] }],
      true,
    );
  }
}
