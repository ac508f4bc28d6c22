import { RemovalPolicy, aws_iam as iam } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/**
 * The names DMS looks the roles up by. They are fixed and account-wide:
 * DMS assumes `dms-vpc-role` to create the network interfaces of a
 * replication subnet group (creating the group fails without it), and
 * `dms-cloudwatch-logs-role` to write replication logs.
 * https://docs.aws.amazon.com/dms/latest/userguide/security-iam.html#CHAP_Security.APIRole
 */
const DmsAccountRoleName = {
  VPC: 'dms-vpc-role',
  CLOUDWATCH_LOGS: 'dms-cloudwatch-logs-role',
} as const;

/** The AWS managed policy each role carries, as DMS expects it. */
const MANAGED_POLICY = {
  [DmsAccountRoleName.VPC]: 'service-role/AmazonDMSVPCManagementRole',
  [DmsAccountRoleName.CLOUDWATCH_LOGS]: 'service-role/AmazonDMSCloudWatchLogsRole',
} as const;

/**
 * The two account-level IAM roles DMS needs before anything of it deploys
 * into an account. One environment per account creates them
 * (`cdc.createAccountRoles`); a second one creating them too would fail on
 * the names. They are retained when the stack goes, since other
 * environments of the account may rely on them. Without this construct
 * they must exist already: docs/runbooks/dms-account-roles.md.
 */
export class DmsAccountRoles extends Construct {
  public readonly vpcRole: iam.Role;
  public readonly cloudWatchLogsRole: iam.Role;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.vpcRole = accountRole(this, 'VpcRole', DmsAccountRoleName.VPC, 'DMS manages the network interfaces of replication subnet groups');
    this.cloudWatchLogsRole = accountRole(this, 'CloudWatchLogsRole', DmsAccountRoleName.CLOUDWATCH_LOGS, 'DMS writes replication logs to CloudWatch Logs');
  }
}

function accountRole(scope: Construct, id: string, roleName: keyof typeof MANAGED_POLICY, description: string): iam.Role {
  const policy = MANAGED_POLICY[roleName];
  const role = new iam.Role(scope, id, {
    roleName,
    description,
    // The global principal: DMS assumes these roles for the whole account, not per region.
    assumedBy: new iam.ServicePrincipal('dms.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(policy)],
  });
  role.applyRemovalPolicy(RemovalPolicy.RETAIN);
  NagSuppressions.addResourceSuppressions(role, [
    {
      id: 'AwsSolutions-IAM4',
      reason: `DMS requires the role ${roleName} to carry the AWS managed policy ${policy.split('/')[1] ?? policy}, which AWS keeps in step with the service`,
      appliesTo: [`Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}`],
    },
  ]);
  return role;
}
