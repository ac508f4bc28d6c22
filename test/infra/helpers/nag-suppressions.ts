import { CfnResource, Stack, aws_iam as iam } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One cdk-nag suppression as it sits on a CloudFormation resource (metadata `cdk_nag.rules_to_suppress`). */
export interface Suppression {
  /** The resource's construct path, the stack name's environment replaced by `<env>`. */
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
  /** Who acts with the resource's permissions: the service principal of a role (or of a policy's role), or the resource type's own. */
  readonly principal: Principal | undefined;
}

export type Principal = 'lambda' | 'ecs-tasks' | 'states' | 'dms';

/** Principals other resource types act as, for suppressions on the resource itself. */
const PRINCIPAL_OF_TYPE: Readonly<Record<string, Principal>> = {
  'AWS::Lambda::Function': 'lambda',
  'AWS::ECS::TaskDefinition': 'ecs-tasks',
  'AWS::StepFunctions::StateMachine': 'states',
};

/**
 * Words that identify a principal other than the one named: a suppression's
 * reason that contains one is about somebody else's permissions (say, an
 * event source mapping's ENI grant explained on an ECS task role).
 */
const OTHER_PRINCIPALS: Readonly<Record<Principal, RegExp>> = {
  lambda: /\b(ECS|Fargate|task role|task definition|execution role of the task|DMS|state machine)\b/i,
  'ecs-tasks': /\b(Lambda|event source mapping|function|DMS|state machine)\b/i,
  states: /\b(ECS|Fargate|task role|event source mapping|DMS)\b/i,
  dms: /\b(Lambda|event source mapping|function|ECS|Fargate|task role|state machine)\b/i,
};

/** Every cdk-nag suppression on the CloudFormation resources under `scope`. */
export function collectSuppressions(scope: IConstruct, envName: string): Suppression[] {
  const resources = scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  return resources.flatMap((resource) => {
    const metadata = resource.getMetadata('cdk_nag') as { rules_to_suppress?: { id: string; reason: string }[] } | undefined;
    const path = resource.node.path.replaceAll(`realtime-pipeline-${envName}`, '<env>');
    const principal = principalOf(resource);
    return (metadata?.rules_to_suppress ?? []).map((s) => ({ path, rule: s.id, reason: s.reason, principal }));
  });
}

/** `path → sorted rule ids`, the shape the pinned set is written in. */
export function rulesByPath(suppressions: readonly Suppression[]): Record<string, string[]> {
  const byPath: Record<string, Set<string>> = {};
  for (const s of suppressions) (byPath[s.path] ??= new Set()).add(s.rule);
  return Object.fromEntries(Object.entries(byPath).map(([path, rules]) => [path, [...rules].sort()]));
}

/** Suppressions whose reason names a principal other than the resource's own. */
export function reasonsNamingAnotherPrincipal(suppressions: readonly Suppression[]): string[] {
  return suppressions
    .filter((s) => s.principal !== undefined && OTHER_PRINCIPALS[s.principal].test(s.reason))
    .map((s) => `${s.path} (${s.principal}) ${s.rule}: ${s.reason}`);
}

function principalOf(resource: CfnResource): Principal | undefined {
  if (resource instanceof iam.CfnRole) return servicePrincipal(Stack.of(resource).resolve(resource.assumeRolePolicyDocument));
  if (resource instanceof iam.CfnPolicy) {
    const stack = Stack.of(resource);
    const refs = (stack.resolve(resource.roles) ?? []) as { Ref?: string }[];
    const roles = stack.node.findAll().filter((c): c is iam.CfnRole => c instanceof iam.CfnRole && refs.some((r) => r.Ref === stack.getLogicalId(c)));
    const [role] = roles;
    return role === undefined ? undefined : principalOf(role);
  }
  return PRINCIPAL_OF_TYPE[resource.cfnResourceType];
}

function servicePrincipal(document: unknown): Principal | undefined {
  const text = JSON.stringify(document);
  if (text.includes('lambda.amazonaws.com')) return 'lambda';
  if (text.includes('ecs-tasks.amazonaws.com')) return 'ecs-tasks';
  if (text.includes('states.amazonaws.com')) return 'states';
  if (/"dms\.|dms\.amazonaws\.com/.test(text)) return 'dms';
  return undefined;
}
