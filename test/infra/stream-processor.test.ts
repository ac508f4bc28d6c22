import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_CONFIGS, validateEnvironmentConfig, type EnvironmentConfig } from '../../lib/config/environments.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import { STATE_TABLE_ATTRIBUTES } from '../../lib/constructs/processor-table.js';
import { PROCESSOR_METRICS_NAMESPACE, StreamProcessor } from '../../lib/constructs/stream-processor.js';
import { deployedProcessorResources } from '../../lib/config/resource-names.js';
import { METRICS_NAMESPACE } from '../../functions/core/observability/powertools.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { TestKafkaAccess, TEST_CLUSTER_ARN } from './helpers/test-kafka-access.js';

/** dev with order-analytics switched to every optional mapping setting. */
function customConfig(overrides: Partial<PipelineConfig['processors'][string]> = {}, topics?: PipelineConfig['topics']): EnvironmentConfig {
  const dev = ENVIRONMENT_CONFIGS.dev;
  const orderAnalytics = dev.processors['order-analytics']!;
  return validateEnvironmentConfig('dev', {
    ...dev,
    topics: topics ?? dev.topics,
    processors: {
      'order-analytics': {
        ...orderAnalytics,
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: 1_767_225_600,
        retryAttempts: 5,
        maxRecordAgeSeconds: 3600,
        bisectBatchOnError: true,
        batchSize: 250,
        maxBatchingWindowSeconds: 7,
        memoryMiB: 2048,
        timeoutSeconds: 90,
        reservedConcurrency: 7,
        provisionedPollers: { minimum: 2, maximum: 9 },
        schemaRegistryIntegration: true,
        ...overrides,
      },
    },
  });
}

function build(config: EnvironmentConfig, processorName = 'order-analytics'): { app: App; stack: Stack; processor: StreamProcessor; kafka: TestKafkaAccess } {
  const app = new App();
  const stack = new Stack(app, 'Processing');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const kafka = new TestKafkaAccess(stack, 'Kafka', vpc);
  const processor = new StreamProcessor(stack, 'OrderAnalytics', { config, processorName, vpc, kafka, registryName: 'realtime-pipeline-dev' });
  return { app, stack, processor, kafka };
}

describe('StreamProcessor', () => {
  let template: Template;
  let built: ReturnType<typeof build>;

  // Bundling the function takes seconds, past vitest's 10 s hook default on a busy machine.
  beforeAll(() => {
    built = build(customConfig());
    template = Template.fromStack(built.stack);
  }, 120_000);

  it('names its consumer group, table and queues as the operations CLI looks them up', () => {
    const names = deployedProcessorResources(customConfig().name, 'order-analytics', built.processor.topics);
    expect(built.processor.eventSources.map((s) => ({ topic: s.topic, consumerGroupId: s.consumerGroupId }))).toEqual(names.inputs);
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: names.stateTableName });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: names.deadLetterQueueName });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: names.onFailureQueueName });
  });

  describe('event source mapping', () => {
    it('reads its topic from the cluster with the configured batching and starting position', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: TEST_CLUSTER_ARN,
        Topics: ['orders'],
        BatchSize: 250,
        MaximumBatchingWindowInSeconds: 7,
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: 1_767_225_600,
      });
    });

    it('joins the stable consumer group realtime-pipeline-<env>-<processor>', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        AmazonManagedKafkaEventSourceConfig: Match.objectLike({ ConsumerGroupId: 'realtime-pipeline-dev-order-analytics' }),
      });
      expect(built.processor.consumerGroupId).toBe('realtime-pipeline-dev-order-analytics');
    });

    it('sets retries, record age and bisect when configured', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 3600,
        BisectBatchOnFunctionError: true,
      });
    });

    it('always reports batch item failures and sends given-up batches to the on-failure queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OnFailureQueue'), 'Arn'] } } },
      });
    });

    it('lets its role send to the on-failure queue, and use the queue key with exact actions only', () => {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
      );
      const on = (resource: RegExp, action: string): boolean =>
        statements.some((s) => [s.Action].flat().includes(action) && [s.Resource].flat().some((r) => resource.test(JSON.stringify(r))));
      for (const action of ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']) expect(on(/OnFailureQueue.*"Arn"/, action), action).toBe(true);
      for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) expect(on(/OrderAnalyticsKey.*"Arn"/, action), action).toBe(true);
      const keyActions = statements.filter((s) => [s.Resource].flat().some((r) => /OrderAnalyticsKey/.test(JSON.stringify(r)))).flatMap((s) => [s.Action].flat());
      expect(keyActions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('runs provisioned pollers and counts events', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 9 },
        MetricsConfig: { Metrics: ['EventCount'] },
      });
    });

    it('validates values with the Glue registry and delivers the SOURCE format', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        AmazonManagedKafkaEventSourceConfig: {
          ConsumerGroupId: 'realtime-pipeline-dev-order-analytics',
          SchemaRegistryConfig: {
            SchemaRegistryURI: { 'Fn::Join': ['', Match.arrayWith([':registry/realtime-pipeline-dev'])] },
            EventRecordFormat: 'SOURCE',
            SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
          },
        },
      });
    });

    it('waits for the topics and the role before it is created', () => {
      const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as { DependsOn: string[] }[];
      expect(mapping!.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^KafkaTopicsReady/), expect.stringMatching(/RoleDefaultPolicy/)]));
    });

    it('exposes the mapping id for the OffsetLag alarm', () => {
      expect(JSON.stringify(Stack.of(built.stack).resolve(built.processor.eventSourceMappingId))).toMatch(/^{"Ref":"OrderAnalyticsMappingorders/);
      expect(built.processor.monitored.inputs[0]?.eventSourceMappingId).toBe(built.processor.eventSourceMappingId);
      expect(built.processor.eventSources.map((s) => s.topic)).toEqual(['orders']);
    });
  });

  describe('function', () => {
    it('runs the newest Node runtime on ARM64 with the configured size, timeout and concurrency, traced', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'realtime-pipeline-dev-order-analytics',
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 2048,
        Timeout: 90,
        ReservedConcurrentExecutions: 7,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('OrderAnalyticsLogs') } },
      });
    });

    it('runs in the private subnets with the Kafka client group and its own group', () => {
      const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { VpcConfig: { SecurityGroupIds: unknown[]; SubnetIds: { Ref: string }[] } } };
      expect(fn.Properties.VpcConfig.SecurityGroupIds).toHaveLength(2);
      expect(JSON.stringify(fn.Properties.VpcConfig.SecurityGroupIds)).toContain('KafkaClientSecurityGroup');
      expect(JSON.stringify(fn.Properties.VpcConfig.SecurityGroupIds)).toContain('OrderAnalyticsSecurityGroup');
      expect(fn.Properties.VpcConfig.SubnetIds.map((s) => s.Ref)).toEqual([expect.stringMatching(/PrivateSubnet1/), expect.stringMatching(/PrivateSubnet2/)]);
    });

    it('is configured by the environment the handler reads', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            SCHEMA_REGISTRY_NAME: 'realtime-pipeline-dev',
            DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('DeadLetterQueue') },
            DEAD_LETTER_BUCKET: { Ref: Match.stringLikeRegexp('DeadLetterPayloads') },
            STATE_TABLE_NAME: { Ref: Match.stringLikeRegexp('StateTable') },
            EMIT_QUEUE_URL: { Ref: Match.stringLikeRegexp('AlertsQueue') },
            INPUT_PARTITIONS: '3',
            SCHEMAS_DIR: '/var/task/schemas',
            POWERTOOLS_SERVICE_NAME: 'order-analytics',
            POWERTOOLS_METRICS_NAMESPACE: 'realtime-pipeline',
          }),
        },
      });
      expect(PROCESSOR_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    });

    it('bundles an ESM index.mjs with schemas/ beside it, locally without Docker', () => {
      const assets = readdirSync(built.app.outdir).filter((d) => d.startsWith('asset.'));
      const bundle = assets.map((d) => join(built.app.outdir, d)).find((d) => existsSync(join(d, 'index.mjs')));
      expect(bundle).toBeDefined();
      expect(existsSync(join(bundle!, 'schemas', 'orders', 'v3.avsc'))).toBe(true);
      expect(existsSync(join(bundle!, 'schemas', 'stock-movements', 'v1.avsc'))).toBe(true);
    });

    it('bundles node:http and node:https as required modules, through the alias esbuildArgs carries', () => {
      const assets = readdirSync(built.app.outdir).filter((d) => d.startsWith('asset.'));
      const bundle = assets.map((d) => join(built.app.outdir, d)).find((d) => existsSync(join(d, 'index.mjs')));
      const code = readFileSync(join(bundle!, 'index.mjs'), 'utf8');

      // Minified ESM imports of the built-ins read `from"node:http"`; cold-start-imports.test.ts says why none may remain.
      // (Booleans, so a failure does not print the whole bundle.)
      expect(/from\s*["']node:https?["']/.test(code)).toBe(false);
      expect(/\(["']https["']\)/.test(code)).toBe(true);
    });

    it('writes its logs to a KMS-encrypted log group with a retention', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/lambda/realtime-pipeline-dev-order-analytics',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrderAnalyticsKey'), 'Arn'] },
        RetentionInDays: 30,
      });
    });
  });

  describe('state table', () => {
    it('has the engine key layout, the sparse open-windows index and TTL, on demand', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: 'realtime-pipeline-dev-order-analytics-state',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'open-windows',
            KeySchema: [
              { AttributeName: 'openShard', KeyType: 'HASH' },
              { AttributeName: 'closesAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    it('is encrypted with the processor key, recoverable to a point in time, and destroyed with dev', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrderAnalyticsKey'), 'Arn'] } },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
      });
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    });

    it('matches what the engine itself creates (createStateTable), so the two cannot drift', async () => {
      const dynamodb = mockClient(DynamoDBClient);
      dynamodb.on(CreateTableCommand).resolves({}).on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } }).on(UpdateTimeToLiveCommand).resolves({});
      await createStateTable(new DynamoDBClient({ region: 'eu-west-1' }), 'state');
      const created = dynamodb.commandCalls(CreateTableCommand)[0]!.args[0].input;
      const ttl = dynamodb.commandCalls(UpdateTimeToLiveCommand)[0]!.args[0].input;
      dynamodb.restore();

      const table = (Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as { Properties: Record<string, unknown> }).Properties;
      const byName = (defs: readonly { AttributeName?: string }[]) => [...defs].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
      expect(table.KeySchema).toEqual(created.KeySchema);
      expect(byName(table.AttributeDefinitions as { AttributeName: string }[])).toEqual(byName(created.AttributeDefinitions!));
      expect(table.GlobalSecondaryIndexes).toEqual(created.GlobalSecondaryIndexes);
      expect(table.BillingMode).toBe(created.BillingMode);
      expect((table.TimeToLiveSpecification as { AttributeName: string }).AttributeName).toBe(ttl.TimeToLiveSpecification!.AttributeName);
      expect(STATE_TABLE_ATTRIBUTES.expiresAt).toBe(ttl.TimeToLiveSpecification!.AttributeName);
    });
  });

  describe('queues and bucket', () => {
    it('encrypts every queue with the processor key and keeps messages 14 days', () => {
      const queues = Object.values(template.findResources('AWS::SQS::Queue')) as { Properties: Record<string, unknown> }[];
      expect(queues).toHaveLength(4);
      for (const q of queues) {
        expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OrderAnalyticsKey/), 'Arn'] });
        expect(q.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'dev-order-analytics-dead-letters' });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'dev-order-analytics-on-failure' });
    });

    it('emits to a FIFO queue without content-based deduplication, with a FIFO dead-letter queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'dev-order-analytics-alerts.fifo',
        FifoQueue: true,
        ContentBasedDeduplication: false,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'dev-order-analytics-alerts-dlq.fifo', FifoQueue: true });
    });

    it('refuses plain HTTP on every queue', () => {
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as { Properties: { PolicyDocument: { Statement: { Effect: string; Condition?: unknown }[] } } }[];
      expect(policies).toHaveLength(4);
      for (const p of policies) {
        expect(p.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      }
    });

    it('keeps oversized dead-letter payloads in a private, versioned, KMS-encrypted bucket that expires them', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 14, Status: 'Enabled' })] },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      });
    });
  });

  describe('validation', () => {
    it('throws when processorName is not a key of config.processors', () => {
      expect(() => build(customConfig(), 'fraud-detector')).toThrow(/processorName must be a key of config.processors \(order-analytics\); got 'fraud-detector'/);
    });

    it('throws when input topics disagree on their partition count', () => {
      const dev = ENVIRONMENT_CONFIGS.dev;
      const topics = { ...dev.topics, 'orders-eu': { ...dev.topics.orders!, partitions: 6 } };
      expect(() => build(customConfig({ topics: ['orders', 'orders-eu'] }, topics))).toThrow(
        /processors\.order-analytics\.topics must all be keys of topics with the same partition count \(INPUT_PARTITIONS\); got orders=3, orders-eu=6/,
      );
    });
  });
});
