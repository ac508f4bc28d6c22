import { App, Aspects, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_CONFIGS, ENVIRONMENT_NAMES, validateEnvironmentConfig, type EnvironmentConfig, type EnvironmentName } from '../../lib/config/environments.js';
import { ProcessingStack } from '../../lib/stacks/processing-stack.js';
import { TestKafkaAccess } from './helpers/test-kafka-access.js';

interface Synthesized {
  readonly config: EnvironmentConfig;
  readonly stack: ProcessingStack;
  readonly template: Template;
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** One synth per environment: bundling the functions takes seconds. */
function synth(name: EnvironmentName): Synthesized {
  const config = validateEnvironmentConfig(name, ENVIRONMENT_CONFIGS[name]);
  const app = new App();
  const network = new Stack(app, `realtime-pipeline-${name}-network`);
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const kafka = new TestKafkaAccess(network, 'Kafka', vpc);
  const stack = new ProcessingStack(app, `realtime-pipeline-${name}-processing`, { config, vpc, kafka, registryName: `realtime-pipeline-${name}` });
  Aspects.of(stack).add(new AwsSolutionsChecks());
  return { config, stack, template: Template.fromStack(stack) };
}

function mappingOf(template: Template, topic: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { Topics: [topic] } })) as { Properties: Record<string, unknown> }[];
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('ProcessingStack', () => {
  const envs = {} as Record<EnvironmentName, Synthesized>;

  beforeAll(() => {
    for (const name of ENVIRONMENT_NAMES) envs[name] = synth(name);
  }, 300_000);

  it.each(ENVIRONMENT_NAMES)('creates one processor per config.processors entry in %s', (name) => {
    const { config, stack, template } = envs[name];
    const names = Object.keys(config.processors);
    expect(stack.processors.map((p) => p.processorName)).toEqual(names);
    // Besides the processors' functions, dev has CDK's bucket-emptying provider.
    const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => !id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProvider'));
    expect(functions).toHaveLength(names.length);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', names.length);
    template.resourceCountIs('AWS::DynamoDB::Table', names.length);
    for (const processorName of names) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `realtime-pipeline-${name}-${processorName}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        VpcConfig: { SecurityGroupIds: [Match.anyValue(), Match.anyValue()], SubnetIds: Match.anyValue() },
      });
    }
  });

  it.each(ENVIRONMENT_NAMES)('gives every mapping the options of its processor in %s', (name) => {
    const { config, template } = envs[name];
    for (const [processorName, p] of Object.entries(config.processors)) {
      const topic = p.topics[0]!;
      const mapping = mappingOf(template, topic);
      expect(mapping).toMatchObject({
        BatchSize: p.batchSize,
        MaximumBatchingWindowInSeconds: p.maxBatchingWindowSeconds,
        StartingPosition: p.startingPosition,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: expect.anything() as unknown } },
        AmazonManagedKafkaEventSourceConfig: expect.objectContaining({ ConsumerGroupId: `realtime-pipeline-${name}-${processorName}` }) as unknown,
      });
      expect(mapping.MaximumRetryAttempts).toBe(p.retryAttempts);
      if (p.maxRecordAgeSeconds === -1) expect(mapping).not.toHaveProperty('MaximumRecordAgeInSeconds');
      else expect(mapping.MaximumRecordAgeInSeconds).toBe(p.maxRecordAgeSeconds);
      if (p.bisectBatchOnError) expect(mapping.BisectBatchOnFunctionError).toBe(true);
      else expect(mapping).not.toHaveProperty('BisectBatchOnFunctionError');
      if (p.provisionedPollers === undefined) expect(mapping).not.toHaveProperty('ProvisionedPollerConfig');
      else expect(mapping.ProvisionedPollerConfig).toEqual({ MinimumPollers: p.provisionedPollers.minimum, MaximumPollers: p.provisionedPollers.maximum });
    }
  });

  it('turns on the schema-registry integration for order-analytics on staging and prod only', () => {
    const registryOf = (name: EnvironmentName, topic: string): unknown =>
      (mappingOf(envs[name].template, topic).AmazonManagedKafkaEventSourceConfig as { SchemaRegistryConfig?: unknown }).SchemaRegistryConfig;
    expect(registryOf('dev', 'orders')).toBeUndefined();
    expect(registryOf('dev', 'stock-movements')).toBeUndefined();
    for (const name of ['staging', 'prod'] as const) {
      expect(registryOf(name, 'orders')).toMatchObject({ EventRecordFormat: 'SOURCE', SchemaValidationConfigs: [{ Attribute: 'VALUE' }] });
      expect(registryOf(name, 'stock-movements')).toBeUndefined();
    }
  });

  it('sets reserved concurrency where prod configures it', () => {
    envs.prod.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'realtime-pipeline-prod-order-analytics', ReservedConcurrentExecutions: 24, MemorySize: 1769, Timeout: 120 });
    const devFunctions = Object.values(envs.dev.template.findResources('AWS::Lambda::Function')) as { Properties: Record<string, unknown> }[];
    for (const f of devFunctions) expect(f.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it.each(ENVIRONMENT_NAMES)('sets INPUT_PARTITIONS from the input topic in %s', (name) => {
    const { config, template } = envs[name];
    for (const [processorName, p] of Object.entries(config.processors)) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `realtime-pipeline-${name}-${processorName}`,
        Environment: { Variables: Match.objectLike({ INPUT_PARTITIONS: String(config.topics[p.topics[0]!]!.partitions), SCHEMA_REGISTRY_NAME: `realtime-pipeline-${name}` }) },
      });
    }
  });

  it('retains and protects data in staging and prod, destroys it in dev', () => {
    for (const name of ['staging', 'prod'] as const) {
      envs[name].template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
      envs[name].template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true }) });
      envs[name].template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    }
    envs.dev.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });

  it.each(ENVIRONMENT_NAMES)('grants no wildcard action in %s', (name) => {
    for (const s of statements(envs[name].template)) {
      for (const action of actionsOf(s)) expect(action, `${action} in ${JSON.stringify(s)}`).not.toContain('*');
    }
  });

  it('grants `*` resources only to ENI, X-Ray and Glue GetSchemaVersion-by-id actions', () => {
    const allowedOnStar = new Set([
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
      'ec2:DescribeVpcs',
      'ec2:DescribeSecurityGroups',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'glue:GetSchemaVersion',
    ]);
    for (const s of statements(envs.prod.template).filter((st) => st.Resource === '*')) {
      for (const action of actionsOf(s)) expect(allowedOnStar.has(action), action).toBe(true);
    }
  });

  it('scopes the Glue lookups to the registry and its schemas', () => {
    const glue = statements(envs.staging.template).filter((s) => actionsOf(s).includes('glue:GetRegistry'));
    expect(glue).toHaveLength(2);
    for (const s of glue) {
      expect(actionsOf(s).sort()).toEqual(['glue:GetRegistry', 'glue:GetSchemaByDefinition', 'glue:GetSchemaVersion']);
      const text = JSON.stringify(s.Resource);
      expect(text).toContain(':registry/realtime-pipeline-staging');
      expect(text).toContain(':schema/realtime-pipeline-staging/*');
    }
  });

  it('grants consuming each topic as its consumer group, and reading the cluster', () => {
    const all = JSON.stringify(statements(envs.dev.template));
    expect(all).toContain('group/test-cluster/0a1b2c3d-4e5f-6789-abcd-ef0123456789-3/realtime-pipeline-dev-order-analytics');
    expect(all).toContain('topic/test-cluster/0a1b2c3d-4e5f-6789-abcd-ef0123456789-3/orders');
    const discovery = statements(envs.dev.template).filter((s) => actionsOf(s).includes('kafka:DescribeClusterV2'));
    expect(discovery.length).toBe(2);
    for (const s of discovery) expect(s.Resource).toMatch(/^arn:aws:kafka:.*:cluster\//);
  });

  it('empties and deletes every bucket with the dev stack, and retains them with their objects in staging and prod', () => {
    const dev = envs.dev.template;
    const devBuckets = dev.findResources('AWS::S3::Bucket');
    expect(Object.keys(devBuckets)).toHaveLength(3);
    for (const [id, bucket] of Object.entries(devBuckets)) {
      expect((bucket as { DeletionPolicy: string }).DeletionPolicy, id).toBe('Delete');
      dev.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: id } });
    }
    for (const name of ['staging', 'prod'] as const) {
      const buckets = Object.values(envs[name].template.findResources('AWS::S3::Bucket')) as { DeletionPolicy: string }[];
      expect(buckets.map((b) => b.DeletionPolicy)).toEqual(['Retain', 'Retain', 'Retain']);
      envs[name].template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    }
  });

  it('attaches no AWS managed policy to the execution roles', () => {
    for (const name of ENVIRONMENT_NAMES) {
      for (const [id, role] of Object.entries(envs[name].template.findResources('AWS::IAM::Role'))) {
        // CDK's bucket-emptying provider (dev only) is not an execution role of ours.
        if (id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProvider')) continue;
        expect((role as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty('ManagedPolicyArns');
      }
    }
  });

  it.each(ENVIRONMENT_NAMES)('has no unsuppressed cdk-nag AwsSolutions finding in %s', (name) => {
    const annotations = Annotations.fromStack(envs[name].stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].map((f) => `${f.id}: ${JSON.stringify(f.entry.data)}`);
    expect(findings).toEqual([]);
  });
});
