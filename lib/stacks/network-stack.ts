import { Fn, Stack, aws_ec2 as ec2, aws_logs as logs, aws_ssm as ssm, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { encryptedLogGroup, LogsKey } from '../constructs/encrypted-logs.js';
import { routeProviderLogs } from '../constructs/provider-logs.js';
import { dataRemovalPolicy, stackEnvironment } from './environment-props.js';

/** The stack-level provider aws-cdk-lib creates for `restrictDefaultSecurityGroup`. */
const RESTRICT_DEFAULT_SG_PROVIDER = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

export interface NetworkStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /**
   * How long VPC flow logs are kept (config has no key for it yet).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * How long the logs of the function that closes the default security group are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly customResourceLogRetention?: logs.RetentionDays;
}

/**
 * The VPC the pipeline runs in. A new one spans `vpc.availabilityZones`
 * zones with public subnets (NAT gateways only) and private subnets with
 * egress for MSK, Lambda and Fargate; flow logs go to an encrypted log
 * group; S3 and DynamoDB are reached through gateway endpoints. An existing
 * one is imported from the config's ids without any lookup; its flow logs
 * and endpoints stay with whoever owns it.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.IVpc;
  /** Where the pipeline's brokers, functions and tasks go. */
  public readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  private readonly vpcConfig: EnvironmentConfig['vpc'];

  public constructor(scope: Construct, id: string, props: NetworkStackProps) {
    const env = props.env ?? stackEnvironment(props.config);
    super(scope, id, { ...props, env });
    this.vpcConfig = props.config.vpc;
    const config = props.config.vpc;
    if (config.kind === 'existing') {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: config.vpcId,
        availabilityZones: [...config.availabilityZones],
        privateSubnetIds: [...config.privateSubnetIds],
      });
      this.publishVpcId(props.config);
      return;
    }
    const removalPolicy = dataRemovalPolicy(props.config);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.cidr),
      maxAzs: config.availabilityZones,
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      // Nothing uses the default group; closing it keeps a forgotten resource from inheriting open rules.
      restrictDefaultSecurityGroup: true,
    });
    const logsKey = new LogsKey(this, 'FlowLogsKey', { description: `realtime-pipeline ${props.config.name}: VPC flow logs and the default security group function's logs`, removalPolicy });
    const flowLogs = encryptedLogGroup(this, 'FlowLogs', {
      encryptionKey: logsKey.key,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });
    const restrictDefaultGroupLogs = encryptedLogGroup(this, 'RestrictDefaultSecurityGroupLogs', {
      encryptionKey: logsKey.key,
      retention: props.customResourceLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy,
    });
    routeProviderLogs(vpc, RESTRICT_DEFAULT_SG_PROVIDER, restrictDefaultGroupLogs);
    this.vpc = vpc;
    this.publishVpcId(props.config);
  }

  /**
   * Where operators and scripts find the pipeline's VPC. It also keeps the
   * stack of an imported VPC from being empty, which CloudFormation rejects.
   */
  private publishVpcId(config: EnvironmentConfig): void {
    new ssm.StringParameter(this, 'VpcIdParameter', {
      parameterName: `/realtime-pipeline/${config.name}/network/vpc-id`,
      stringValue: this.vpc.vpcId,
      description: `realtime-pipeline ${config.name}: the VPC the pipeline runs in`,
    });
  }

  /**
   * The zones the VPC spans. An environment-agnostic stack would otherwise
   * get two, and one with an account and region would need an AWS lookup at
   * synth; `Fn::GetAZs` picks the first n zones of the deploy region instead.
   */
  public override get availabilityZones(): string[] {
    // Read during Stack construction, before the config is stored.
    const config = this.vpcConfig as EnvironmentConfig['vpc'] | undefined;
    if (config === undefined) return super.availabilityZones;
    if (config.kind === 'existing') return [...config.availabilityZones];
    return Array.from({ length: config.availabilityZones }, (_, i) => Fn.select(i, Fn.getAzs()));
  }
}
