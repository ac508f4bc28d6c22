import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

type Json = Record<string, unknown>;
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Json;
}
interface StackTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: string } }>;
}

/** Where each resource type that places network interfaces lists their security groups. */
const ATTACHED_GROUPS = {
  'AWS::ECS::Service': (p: Json) => ((p.NetworkConfiguration as Json | undefined)?.AwsvpcConfiguration as Json | undefined)?.SecurityGroups as unknown[] | undefined,
  'AWS::DMS::ReplicationConfig': (p: Json) => (p.ComputeConfig as Json | undefined)?.VpcSecurityGroupIds as unknown[] | undefined,
  'AWS::Lambda::Function': (p: Json) => (p.VpcConfig as Json | undefined)?.SecurityGroupIds as unknown[] | undefined,
} as const;
export type AttachingType = keyof typeof ATTACHED_GROUPS;

/** What CDK writes into a group with no outbound rule so that EC2 does not add its allow-all default. */
const DISALLOW_ALL = { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };

/**
 * The outbound rules that the security groups of a set of stacks add up to,
 * as EC2 applies them to a network interface: the union of the groups'
 * inline and standalone egress rules. A rule reads `tcp/443 -> 0.0.0.0/0`;
 * a group as destination is named by its description, an imported one by
 * its id. Cross-stack references (Fn::ImportValue) are followed to the
 * exporting stack.
 */
export class EffectiveEgress {
  private readonly templates: ReadonlyMap<string, StackTemplate>;
  private readonly exports = new Map<string, { stack: string; value: unknown }>();

  public constructor(stacks: readonly Stack[]) {
    this.templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON() as StackTemplate]));
    for (const [stack, template] of this.templates) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export !== undefined) this.exports.set(output.Export.Name, { stack, value: output.Value });
      }
    }
  }

  /** The groups attached to each resource of `type` in `stack` that has network interfaces (Lambda functions outside a VPC have none). */
  public attachments(stack: string, type: AttachingType): { readonly logicalId: string; readonly groups: readonly unknown[] }[] {
    return Object.entries(this.template(stack).Resources)
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, r]) => ({ logicalId, groups: ATTACHED_GROUPS[type](r.Properties ?? {}) }))
      .filter((a): a is { logicalId: string; groups: unknown[] } => a.groups !== undefined);
  }

  /** The union of the egress rules of the groups `refs` (as a resource property holds them) in `stack`. */
  public of(stack: string, refs: readonly unknown[]): string[] {
    const rules = new Set<string>();
    for (const ref of refs) for (const rule of this.groupEgress(this.resolve(stack, ref))) rules.add(rule);
    return [...rules].sort();
  }

  private groupEgress(group: GroupKey): string[] {
    if (group.logicalId === undefined) throw new Error(`EffectiveEgress: the attached group ${group.id} is not in any template, so its egress is unknown`);
    const template = this.template(group.stack);
    const inline = ((template.Resources[group.logicalId]?.Properties?.SecurityGroupEgress ?? []) as Json[]).filter((r) => !matches(r, DISALLOW_ALL));
    const standalone = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && sameGroup(this.resolve(group.stack, r.Properties?.GroupId), group))
      .map((r) => r.Properties ?? {});
    return [...inline, ...standalone].map((rule) => this.describe(group.stack, rule));
  }

  private describe(stack: string, rule: Json): string {
    const protocol = rule.IpProtocol === '-1' ? 'all' : String(rule.IpProtocol);
    const from = JSON.stringify(rule.FromPort);
    const to = JSON.stringify(rule.ToPort);
    const ports = rule.FromPort === undefined ? '' : from === to ? `/${from}` : `/${from}-${to}`;
    const destination = typeof rule.CidrIp === 'string' ? rule.CidrIp : this.groupName(this.resolve(stack, rule.DestinationSecurityGroupId));
    return `${protocol}${ports} -> ${destination}`;
  }

  private groupName(group: GroupKey): string {
    if (group.logicalId === undefined) return group.id;
    const description = this.template(group.stack).Resources[group.logicalId]?.Properties?.GroupDescription;
    return typeof description === 'string' ? description : group.logicalId;
  }

  private resolve(stack: string, ref: unknown): GroupKey {
    if (typeof ref === 'string') return { stack, id: ref };
    const json = ref as Json;
    const getAtt = json['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt !== undefined) return { stack, id: getAtt[0], logicalId: getAtt[0] };
    const imported = json['Fn::ImportValue'];
    if (typeof imported === 'string') {
      const exported = this.exports.get(imported);
      if (exported === undefined) throw new Error(`EffectiveEgress: no stack exports ${imported}`);
      return this.resolve(exported.stack, exported.value);
    }
    throw new Error(`EffectiveEgress: cannot resolve the security group reference ${JSON.stringify(ref)} in ${stack}`);
  }

  private template(stack: string): StackTemplate {
    const template = this.templates.get(stack);
    if (template === undefined) throw new Error(`EffectiveEgress: stack ${stack} was not given`);
    return template;
  }
}

interface GroupKey {
  readonly stack: string;
  readonly id: string;
  /** Absent for a group imported by id. */
  readonly logicalId?: string;
}

function sameGroup(a: GroupKey, b: GroupKey): boolean {
  return a.stack === b.stack && a.id === b.id;
}

function matches(rule: Json, expected: Json): boolean {
  return Object.entries(expected).every(([k, v]) => rule[k] === v);
}
