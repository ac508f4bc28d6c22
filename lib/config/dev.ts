import type { PipelineConfig } from './pipeline-config.js';
import { REFERENCE_CONNECTORS, REFERENCE_TOPIC_NAMES, WEEK_HOURS, referenceProcessors } from './reference-pipeline.js';

/**
 * dev: the cheapest deployment that still runs the whole pipeline. MSK
 * Serverless (no brokers to size), two zones, one NAT gateway, one
 * provisioned poller per mapping, and everything destroyed with the stack.
 *
 * Set `cdc.source` to your database before deploying: the host, its subnet
 * (`cidr`) or security group, and the secret holding the capture user's
 * `username` and `password`.
 */
export const dev: PipelineConfig = {
  removalPolicy: 'destroy',
  vpc: { kind: 'new', cidr: '10.40.0.0/16', availabilityZones: 2, natGateways: 1 },
  msk: { kind: 'serverless' },
  topics: {
    [REFERENCE_TOPIC_NAMES.orders]: { subject: 'orders', partitions: 3, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
    [REFERENCE_TOPIC_NAMES.stockMovements]: { partitions: 3, replicationFactor: 3, minInSyncReplicas: 2, retentionHours: WEEK_HOURS, cleanupPolicy: 'delete' },
  },
  cdc: {
    engine: 'debezium',
    source: {
      engine: 'postgres',
      hostname: 'retail-db.dev.example.internal',
      port: 5432,
      database: 'retail',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:realtime-pipeline/dev/retail-cdc',
      // The database's subnet, the only range the CDC workloads may open the database port to; or set securityGroupId.
      cidr: '10.40.200.0/24',
    },
    connectors: [...REFERENCE_CONNECTORS],
    cpu: 1024,
    memoryMiB: 2048,
    workers: 1,
  },
  processors: referenceProcessors(
    {
      batchSize: 500,
      maxBatchingWindowSeconds: 1,
      startingPosition: 'TRIM_HORIZON',
      // Lambda allows up to 10000; at its backoff, 100 rides out an outage of several minutes.
      retryAttempts: 100,
      maxRecordAgeSeconds: -1,
      bisectBatchOnError: false,
      memoryMiB: 1024,
      timeoutSeconds: 60,
      provisionedPollers: { minimum: 1, maximum: 3 },
    },
    { schemaRegistryIntegration: false },
  ),
  alarms: {
    // dev's alarms are for the dashboard and the person at the keyboard; nobody is paged.
    emails: [],
    nobodyNotified: true,
    offsetLagRecords: 100_000,
    estimatedTimeLagSeconds: 900,
    maxOffsetLagRecords: 100_000,
    deadLetterGrowthPerHour: 100,
    durationPercentOfTimeout: 80,
    latencyP99Ms: 300_000,
    evaluationMinutes: 15,
  },
};
