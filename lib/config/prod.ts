import type { PipelineConfig } from './pipeline-config.js';
import { REFERENCE_CONNECTORS, REFERENCE_TOPIC_NAMES, WEEK_HOURS, referenceProcessors } from './reference-pipeline.js';

/**
 * prod: provisioned MSK across three zones with tiered storage, a NAT
 * gateway per zone, provisioned pollers with bounded retries, tight alarms,
 * and every data store retained when the stack is deleted.
 *
 * Set `account`, `region` and `cdc.source` before deploying. Alarms mail
 * the address given at deploy:
 * `cdk deploy -c env=prod --all --parameters realtime-pipeline-prod-observability:AlarmEmail=<on-call address>`;
 * CloudFormation refuses the deploy without one.
 */
export const prod: PipelineConfig = {
  removalPolicy: 'retain',
  vpc: { kind: 'new', cidr: '10.42.0.0/16', availabilityZones: 3, natGateways: 3 },
  msk: {
    kind: 'provisioned',
    brokerCount: 3,
    instanceType: 'kafka.m7g.large',
    kafkaVersion: '3.9.x',
    volumeSizeGiB: 500,
    tieredStorage: true,
    brokerLogRetentionDays: 90,
  },
  topics: {
    [REFERENCE_TOPIC_NAMES.orders]: { subject: 'orders', partitions: 12, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
    [REFERENCE_TOPIC_NAMES.stockMovements]: { partitions: 12, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
  },
  cdc: {
    engine: 'debezium',
    source: {
      engine: 'postgres',
      hostname: 'retail-db.prod.example.internal',
      port: 5432,
      database: 'retail',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:realtime-pipeline/prod/retail-cdc',
      // The database's subnet, the only range the CDC workloads may open the database port to; or set securityGroupId.
      cidr: '10.42.200.0/24',
    },
    connectors: [...REFERENCE_CONNECTORS],
    cpu: 2048,
    memoryMiB: 4096,
    workers: 2,
  },
  processors: referenceProcessors(
    {
      batchSize: 1000,
      maxBatchingWindowSeconds: 1,
      startingPosition: 'TRIM_HORIZON',
      retryAttempts: 1000,
      maxRecordAgeSeconds: -1,
      bisectBatchOnError: true,
      memoryMiB: 1769,
      timeoutSeconds: 120,
      reservedConcurrency: 24,
      provisionedPollers: { minimum: 2, maximum: 12 },
    },
    { schemaRegistryIntegration: true },
  ),
  alarms: {
    // No address is shipped: the on-call address is given at deploy as the
    // AlarmEmail parameter (see the file comment), or listed here instead.
    emails: [],
    emailParameter: true,
    offsetLagRecords: 20_000,
    estimatedTimeLagSeconds: 300,
    maxOffsetLagRecords: 20_000,
    deadLetterGrowthPerHour: 10,
    durationPercentOfTimeout: 80,
    latencyP99Ms: 60_000,
    evaluationMinutes: 5,
  },
};
