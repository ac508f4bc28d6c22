import { App, Aspects, Stack, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { dev } from '../../lib/config/dev.js';
import { validateEnvironmentConfig, type EnvironmentConfig } from '../../lib/config/environments.js';
import type { DatabaseSourceConfig, DmsCdcConfig } from '../../lib/config/cdc-config.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import { staging } from '../../lib/config/staging.js';
import { CdcStack, type CdcStackProps } from '../../lib/stacks/cdc-stack.js';
import { CdcTestKafkaAccess, TEST_CLUSTER } from './helpers/cdc-test-kafka-access.js';

const SOURCE: DatabaseSourceConfig = {
  engine: 'postgres',
  hostname: 'retail-db.internal',
  port: 5432,
  database: 'retail',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:realtime-pipeline/retail-dms',
  securityGroupId: 'sg-0abc12345def67890',
};

/** DMS cannot write to MSK Serverless (IAM only), so the DMS variant runs on staging's provisioned cluster. */
const DMS_CDC: DmsCdcConfig = { engine: 'dms', source: SOURCE, tables: ['public.stock_movements'], topic: 'stock-movements', minCapacityUnits: 1, maxCapacityUnits: 4 };
const dmsConfig: PipelineConfig = { ...staging, cdc: DMS_CDC };

interface Synth {
  readonly stack: CdcStack;
  readonly template: Template;
}

function synth(config: EnvironmentConfig, extra: Partial<CdcStackProps> = {}): Synth {
  const app = new App();
  const network = new Stack(app, 'network');
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const kafka = new CdcTestKafkaAccess(network, 'Kafka', vpc);
  const stack = new CdcStack(app, `realtime-pipeline-${config.name}-cdc`, { config, vpc, kafka, ...extra });
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

function dmsTarget(stack: Stack, vpc: ec2.IVpc): NonNullable<CdcStackProps['dmsTarget']> {
  return {
    scramBootstrapBrokers: 'b-1.rtp-test.kafka.eu-west-1.amazonaws.com:9096',
    scramSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Scram', 'AmazonMSK_rtp-dms'),
    securityGroup: new ec2.SecurityGroup(stack, 'ScramClients', { vpc, description: 'MSK SASL/SCRAM clients (test)', allowAllOutbound: false }),
  };
}

function synthDms(config: EnvironmentConfig): Synth {
  const app = new App();
  const network = new Stack(app, 'network');
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const kafka = new CdcTestKafkaAccess(network, 'Kafka', vpc);
  const target = dmsTarget(network, vpc);
  const stack = new CdcStack(app, `realtime-pipeline-${config.name}-cdc`, { config, vpc, kafka, dmsTarget: target });
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))].map(
    (f) => `${f.id}: ${typeof f.entry.data === 'string' ? f.entry.data : JSON.stringify(f.entry.data)}`,
  );
}

function containerEnvironment(template: Template): Record<string, string> {
  const [taskDef] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as { Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] } }[];
  return Object.fromEntries((taskDef?.Properties.ContainerDefinitions[0]?.Environment ?? []).map((e) => [e.Name, typeof e.Value === 'string' ? e.Value : JSON.stringify(e.Value)]));
}

function registeredConnectors(template: Template): { Name: string; Config: Record<string, string> }[] {
  const [resource] = Object.values(template.findResources('Custom::DebeziumConnectors')) as { Properties: { Connectors: { Name: string; Config: Record<string, string> }[] } }[];
  return resource?.Properties.Connectors ?? [];
}

describe('CdcStack: debezium (dev)', () => {
  const { stack, template } = synth(validateEnvironmentConfig('dev', dev));

  it('runs the workers on Fargate from the image built from docker/debezium-connect, x86_64, in private subnets', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({ Image: Match.objectLike({ 'Fn::Sub': Match.stringLikeRegexp('cdk-hnb659fds-container-assets') }), PortMappings: [Match.objectLike({ ContainerPort: 8083 })] })],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      ServiceRegistries: [Match.objectLike({ RegistryArn: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    template.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'realtime-pipeline-dev.connect.internal' });
  });

  it('configures the worker for MSK IAM with internal topics of replication 3 and the env config provider', () => {
    const env = containerEnvironment(template);

    expect(env).toMatchObject({
      BOOTSTRAP_SERVERS: TEST_CLUSTER.bootstrapBrokers,
      GROUP_ID: 'realtime-pipeline-dev-connect',
      CONFIG_STORAGE_TOPIC: 'realtime-pipeline-dev-connect-configs',
      OFFSET_STORAGE_TOPIC: 'realtime-pipeline-dev-connect-offsets',
      STATUS_STORAGE_TOPIC: 'realtime-pipeline-dev-connect-status',
      CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: '3',
      CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: '3',
      CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: '3',
      CONNECT_CONFIG_PROVIDERS: 'env',
      CONNECT_CONFIG_PROVIDERS_ENV_CLASS: 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    });
    for (const prefix of ['', 'PRODUCER_', 'CONSUMER_', 'ADMIN_']) {
      expect(env[`CONNECT_${prefix}SECURITY_PROTOCOL`]).toBe('SASL_SSL');
      expect(env[`CONNECT_${prefix}SASL_MECHANISM`]).toBe('AWS_MSK_IAM');
      expect(env[`CONNECT_${prefix}SASL_JAAS_CONFIG`]).toBe('software.amazon.msk.auth.iam.IAMLoginModule required;');
      expect(env[`CONNECT_${prefix}SASL_CLIENT_CALLBACK_HANDLER_CLASS`]).toBe('software.amazon.msk.auth.iam.IAMClientCallbackHandler');
    }
  });

  it('injects the database credentials from Secrets Manager as ECS secrets, never as environment', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Secrets: [
            { Name: 'DATABASE_USER', ValueFrom: Match.stringLikeRegexp('secret:realtime-pipeline/dev/retail-cdc:username::$') },
            { Name: 'DATABASE_PASSWORD', ValueFrom: Match.stringLikeRegexp('secret:realtime-pipeline/dev/retail-cdc:password::$') },
          ],
        }),
      ],
    });
    expect(Object.keys(containerEnvironment(template))).not.toContain('DATABASE_PASSWORD');
  });

  it('logs to a log group encrypted with a rotating customer key', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 30 });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('grants the task role the internal and heartbeat topics, the data topics and the worker group', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));

    for (const pattern of ['realtime-pipeline-dev-connect-configs', '__debezium-heartbeat.*', '/stock-movements"', '/orders"', 'rtp-stock-movements.*', 'rtp-orders-outbox.*', 'group/rtp-test/11111111-2222-3333-4444-555555555555-1/realtime-pipeline-dev-connect"']) {
      expect(policies).toContain(pattern);
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kafka-cluster:CreateTopic']), Resource: Match.arrayWith([Match.stringLikeRegexp('__debezium-heartbeat')]) })]) },
    });
  });

  it('opens Connect REST to the registration function and workers only, and the database port to the configured CIDR only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'tcp', FromPort: 8083, ToPort: 8083 });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Kafka Connect workers (Debezium)',
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
        Match.objectLike({ CidrIp: '10.40.200.0/24', FromPort: 5432, ToPort: 5432 }),
      ],
    });
  });

  it('registers the reference connectors with env references and no password in clear', () => {
    const connectors = registeredConnectors(template);

    expect(connectors.map((c) => c.Name)).toEqual(['stock-movements-cdc', 'orders-outbox']);
    for (const { Config } of connectors) {
      expect(Config).toMatchObject({ 'database.user': '${env:DATABASE_USER}', 'database.password': '${env:DATABASE_PASSWORD}', 'database.hostname': 'retail-db.dev.example.internal' });
    }
    expect(connectors[0]?.Config).toMatchObject({ 'slot.name': 'rtp_stock_movements', 'transforms.route.replacement': 'stock-movements', 'topic.creation.default.replication.factor': '3', 'topic.creation.default.partitions': '3' });
    expect(connectors[1]?.Config).toMatchObject({ 'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter', 'value.converter': 'io.debezium.converters.BinaryDataConverter' });
    template.hasResourceProperties('Custom::DebeziumConnectors', { ConnectUrl: 'http://connect.realtime-pipeline-dev.connect.internal:8083' });
  });

  it('waits for the topics and the service before registering', () => {
    const [resource] = Object.values(template.findResources('Custom::DebeziumConnectors')) as { DependsOn?: string[] }[];
    expect(resource?.DependsOn?.some((d) => d.startsWith('DebeziumService'))).toBe(true);
  });

  it('reports no unsuppressed cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('allows the Connect workers into the database security group when one is configured', () => {
    const config = validateEnvironmentConfig('dev', { ...dev, cdc: { ...dev.cdc, source: { ...SOURCE } } });
    synth(config).template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: SOURCE.securityGroupId as string, FromPort: 5432, ToPort: 5432 });
  });
});

describe('CdcStack: dms', () => {
  const { stack, template } = synthDms(validateEnvironmentConfig('staging', dmsConfig));

  it('reads the source with Secrets Manager through a role DMS assumes', () => {
    template.hasResourceProperties('AWS::DMS::Endpoint', {
      EndpointType: 'source',
      EngineName: 'postgres',
      DatabaseName: 'retail',
      SslMode: 'require',
      PostgreSqlSettings: { SecretsManagerSecretId: SOURCE.secretArn, SecretsManagerAccessRoleArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: { 'Fn::Join': ['', ['dms.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } })] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']) })]) },
    });
  });

  it('writes JSON to the configured topic over SASL/SCRAM with TLS, credentials as dynamic references', () => {
    template.hasResourceProperties('AWS::DMS::Endpoint', {
      EndpointType: 'target',
      EngineName: 'kafka',
      KafkaSettings: Match.objectLike({
        Broker: 'b-1.rtp-test.kafka.eu-west-1.amazonaws.com:9096',
        Topic: 'stock-movements',
        MessageFormat: 'json',
        IncludeTransactionDetails: true,
        IncludePartitionValue: true,
        PartitionIncludeSchemaTable: false,
        SecurityProtocol: 'sasl-ssl',
        SaslPassword: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]) }),
      }),
    });
  });

  it('replicates full load and changes serverless, keyed by primary key', () => {
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationType: 'full-load-and-cdc',
      ReplicationConfigIdentifier: 'realtime-pipeline-staging-cdc',
      ComputeConfig: Match.objectLike({ MinCapacityUnits: 1, MaxCapacityUnits: 4, MultiAZ: true, KmsKeyId: Match.anyValue() }),
      TableMappings: {
        rules: [
          Match.objectLike({ 'rule-type': 'selection', 'rule-action': 'include', 'object-locator': { 'schema-name': 'public', 'table-name': 'stock_movements' } }),
          Match.objectLike({ 'rule-type': 'object-mapping', 'rule-action': 'map-record-to-record', 'mapping-parameters': { 'partition-key-type': 'primary-key' } }),
        ],
      },
    });
    template.resourceCountIs('AWS::DMS::ReplicationSubnetGroup', 1);
  });

  it('reports no unsuppressed cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('creates no account-wide DMS role unless asked: by default they must exist already', () => {
    for (const roleName of ['dms-vpc-role', 'dms-cloudwatch-logs-role']) {
      expect(template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } })).toEqual({});
    }
  });

  it('fails synth when DMS would write to MSK Serverless', () => {
    expect(() => validateEnvironmentConfig('dev', { ...dev, cdc: DMS_CDC })).toThrow(/cdc\.engine: 'dms' needs msk\.kind 'provisioned'/);
  });

  it('throws when the DMS target is missing', () => {
    expect(() => synth(validateEnvironmentConfig('staging', dmsConfig))).toThrow(/props.dmsTarget is required/);
  });

  it('throws when capacity units are out of order', () => {
    expect(() => synthDms(validateEnvironmentConfig('staging', { ...dmsConfig, cdc: { ...DMS_CDC, minCapacityUnits: 8, maxCapacityUnits: 4 } }))).toThrow(/minCapacityUnits/);
  });
});

describe('CdcStack: dms with cdc.createAccountRoles', () => {
  const { stack, template } = synthDms(validateEnvironmentConfig('staging', { ...dmsConfig, cdc: { ...DMS_CDC, createAccountRoles: true } }));

  const roleId = (roleName: string): string => {
    const [id] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } }));
    expect(id, roleName).toBeDefined();
    return id!;
  };

  it.each([
    ['dms-vpc-role', 'AmazonDMSVPCManagementRole'],
    ['dms-cloudwatch-logs-role', 'AmazonDMSCloudWatchLogsRole'],
  ])('creates %s for dms.amazonaws.com with %s, retained with the stack', (roleName, policy) => {
    template.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        RoleName: roleName,
        AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'dms.amazonaws.com' } })] }),
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/service-role/${policy}`]] }],
      }),
    });
  });

  it('creates the subnet group after dms-vpc-role, and the replication after both roles', () => {
    const [subnetGroup] = Object.values(template.findResources('AWS::DMS::ReplicationSubnetGroup')) as { DependsOn?: string[] }[];
    expect(subnetGroup?.DependsOn).toContain(roleId('dms-vpc-role'));
    const [replication] = Object.values(template.findResources('AWS::DMS::ReplicationConfig')) as { DependsOn?: string[] }[];
    expect(replication?.DependsOn).toEqual(expect.arrayContaining([roleId('dms-vpc-role'), roleId('dms-cloudwatch-logs-role')]));
  });

  it('reports no unsuppressed cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('fails synth when createAccountRoles is set without DMS, where nothing would use the roles', () => {
    expect(() => validateEnvironmentConfig('dev', { ...dev, cdc: { ...dev.cdc, createAccountRoles: true } as PipelineConfig['cdc'] })).toThrow(/cdc: Unrecognized key: "createAccountRoles"/);
  });
});

describe('CdcStack: none', () => {
  it('is not needed, and throws when built anyway', () => {
    const config = validateEnvironmentConfig('dev', { ...dev, cdc: { engine: 'none' } });
    expect(CdcStack.isNeeded(config)).toBe(false);
    expect(() => synth(config)).toThrow(/create the stack only when CdcStack.isNeeded/);
  });
});
