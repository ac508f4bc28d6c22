import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { dev } from '../../lib/config/dev.js';
import { validateEnvironmentConfig } from '../../lib/config/environments.js';
import type { EnvironmentConfig } from '../../lib/config/environments.js';
import { prod } from '../../lib/config/prod.js';
import { NetworkStack } from '../../lib/stacks/network-stack.js';

const EXISTING_VPC = {
  kind: 'existing',
  vpcId: 'vpc-0abc12345def67890',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  privateSubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'],
} as const;

function network(config: EnvironmentConfig): { stack: NetworkStack; template: Template } {
  const app = new App();
  const stack = new NetworkStack(app, `realtime-pipeline-${config.name}-network`, { config });
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

const prodConfig = validateEnvironmentConfig('prod', prod);
const devConfig = validateEnvironmentConfig('dev', dev);

describe('NetworkStack with a new VPC', () => {
  it('spans three zones for prod even without an account and region, each zone with a public and a private subnet', () => {
    const { stack, template } = network(prodConfig);

    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/16' });
    for (const index of [0, 1, 2]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        MapPublicIpOnLaunch: false,
        AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] },
      });
    }
    expect(stack.vpc.privateSubnets).toHaveLength(3);
    expect(stack.vpc.selectSubnets(stack.privateSubnets).subnetIds).toHaveLength(3);
  });

  it('spans two zones with one NAT gateway for dev', () => {
    const { stack, template } = network(devConfig);

    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    expect(stack.availabilityZones).toHaveLength(2);
  });

  it('stays within the configured zones when the config names an account and region, with no lookup', () => {
    const { stack, template } = network({ ...prodConfig, account: '123456789012', region: 'eu-west-1' });

    expect(stack.region).toBe('eu-west-1');
    expect(stack.account).toBe('123456789012');
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('sends every flow to a log group encrypted with a rotated customer key and bounded retention', () => {
    const { template } = network(prodConfig);

    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('FlowLogsKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogsUse',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          }),
        ]),
      },
    });
  });

  it('retains the flow logs and their key in prod and destroys them in dev', () => {
    network(prodConfig).template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    network(devConfig).template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: { PendingWindowInDays: 7 } });
  });

  it('reaches S3 and DynamoDB through gateway endpoints', () => {
    const { template } = network(prodConfig);

    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    const { stack } = network(prodConfig);

    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});

describe('NetworkStack with an existing VPC', () => {
  const config = validateEnvironmentConfig('prod', { ...prod, vpc: EXISTING_VPC });

  it('imports the VPC and its private subnets from the config, creating only the parameter that names it', () => {
    const { stack, template } = network(config);

    expect(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type)).toEqual(['AWS::SSM::Parameter']);
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/realtime-pipeline/prod/network/vpc-id', Value: EXISTING_VPC.vpcId });
    expect(stack.vpc.vpcId).toBe(EXISTING_VPC.vpcId);
    expect(stack.vpc.selectSubnets(stack.privateSubnets).subnetIds).toEqual(EXISTING_VPC.privateSubnetIds);
    expect(stack.vpc.availabilityZones).toEqual(EXISTING_VPC.availabilityZones);
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    const { stack } = network(config);

    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});
