import type { PipelineConfig } from './pipeline-config.js';
import { REFERENCE_CONNECTORS, REFERENCE_TOPIC_NAMES, WEEK_HOURS, referenceProcessors } from './reference-pipeline.js';

/**
 * staging: production's shape at a smaller size, so a release is proven on
 * provisioned brokers, provisioned pollers and the mapping's retry settings
 * before prod. Data is retained on delete, like prod.
 *
 * Set `cdc.source` to your database before deploying. Alarms mail the
 * address given at deploy:
 * `cdk deploy -c env=staging --all --parameters realtime-pipeline-staging-observability:AlarmEmail=<address>`.
 */
export const staging: PipelineConfig = {
  removalPolicy: 'retain',
  vpc: { kind: 'new', cidr: '10.41.0.0/16', availabilityZones: 3, natGateways: 1 },
  msk: {
    kind: 'provisioned',
    brokerCount: 3,
    instanceType: 'kafka.m7g.large',
    kafkaVersion: '3.9.x',
    volumeSizeGiB: 100,
    tieredStorage: false,
    brokerLogRetentionDays: 14,
  },
  topics: {
    [REFERENCE_TOPIC_NAMES.orders]: { subject: 'orders', partitions: 6, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
    [REFERENCE_TOPIC_NAMES.stockMovements]: { partitions: 6, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
  },
  cdc: {
    engine: 'debezium',
    source: {
      engine: 'postgres',
      hostname: 'retail-db.staging.example.internal',
      port: 5432,
      database: 'retail',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:realtime-pipeline/staging/retail-cdc',
      // The database's subnet, the only range the CDC workloads may open the database port to; or set securityGroupId.
      cidr: '10.41.200.0/24',
    },
    connectors: [...REFERENCE_CONNECTORS],
    cpu: 1024,
    memoryMiB: 2048,
    workers: 2,
  },
  processors: referenceProcessors(
    {
      batchSize: 500,
      maxBatchingWindowSeconds: 1,
      startingPosition: 'TRIM_HORIZON',
      retryAttempts: 100,
      maxRecordAgeSeconds: -1,
      bisectBatchOnError: true,
      memoryMiB: 1024,
      timeoutSeconds: 60,
      provisionedPollers: { minimum: 1, maximum: 6 },
    },
    { schemaRegistryIntegration: true },
  ),
  alarms: {
    // No address is shipped: the on-call address is given at deploy as the
    // AlarmEmail parameter (see the file comment), or listed here instead.
    emails: [],
    emailParameter: true,
    offsetLagRecords: 50_000,
    estimatedTimeLagSeconds: 600,
    maxOffsetLagRecords: 50_000,
    deadLetterGrowthPerHour: 50,
    durationPercentOfTimeout: 80,
    latencyP99Ms: 120_000,
    evaluationMinutes: 10,
  },
};
