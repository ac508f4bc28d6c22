import { z } from 'zod';
import { TopicsSpecError } from './errors.js';
import type { DesiredTopic, PlanOptions } from './topic-plan.js';

/**
 * The topics part of the custom resource's properties, as the KafkaTopics
 * construct writes it: the config's topic settings, unconverted, plus what
 * the cluster kind implies. CloudFormation turns every property value into a
 * string, so the construct sends this as one JSON document.
 */
export const ClusterKind = { PROVISIONED: 'provisioned', SERVERLESS: 'serverless' } as const;
export type ClusterKind = (typeof ClusterKind)[keyof typeof ClusterKind];

const topicSettings = z.strictObject({
  partitions: z.number().int().min(1),
  replicationFactor: z.number().int().min(1),
  minInSyncReplicas: z.number().int().min(1),
  /** -1 keeps records forever. */
  retentionHours: z.number().int().min(-1),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
  /** local.retention.ms in hours; required on a tiered topic (see `isTiered`), ignored elsewhere. */
  localRetentionHours: z.number().int().min(1).optional(),
  /** local.retention.bytes per partition, on a tiered topic; absent, only the time limit applies. */
  localRetentionBytes: z.number().int().min(1).optional(),
});

const topicsSpec = z.strictObject({
  clusterKind: z.enum([ClusterKind.PROVISIONED, ClusterKind.SERVERLESS]),
  /** Provisioned clusters with tiered storage: deletable topics keep old segments in remote storage. */
  tieredStorage: z.boolean(),
  topics: z.record(z.string().min(1), topicSettings),
});

export type TopicSettings = z.infer<typeof topicSettings>;
export type TopicsSpec = z.infer<typeof topicsSpec>;

export const TopicConfigName = {
  RETENTION_MS: 'retention.ms',
  CLEANUP_POLICY: 'cleanup.policy',
  MIN_INSYNC_REPLICAS: 'min.insync.replicas',
  REMOTE_STORAGE_ENABLE: 'remote.storage.enable',
  LOCAL_RETENTION_MS: 'local.retention.ms',
  LOCAL_RETENTION_BYTES: 'local.retention.bytes',
} as const;

const HOUR_MS = 3_600_000;

/** Reads the `Spec` property; a malformed one means a construct/handler mismatch, reported with the broken key. */
export function parseTopicsSpec(json: string): TopicsSpec {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new TopicsSpecError('The Spec property is not JSON', { cause });
  }
  const result = topicsSpec.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new TopicsSpecError(`The Spec property is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Whether a topic keeps old segments in remote storage: a tiered cluster, and not compacted (Kafka refuses remote storage there). */
export function isTiered(spec: Pick<TopicsSpec, 'tieredStorage'>, topic: Pick<TopicSettings, 'cleanupPolicy'>): boolean {
  return spec.tieredStorage && topic.cleanupPolicy === 'delete';
}

/** `retention.ms` for a number of hours; -1 (forever) stays -1. */
export function retentionMs(hours: number): string {
  return hours === -1 ? '-1' : String(hours * HOUR_MS);
}

/**
 * The topics as Kafka should hold them. On MSK Serverless the broker fixes
 * min.insync.replicas (2) and only accepts cleanup.policy at creation
 * (https://docs.aws.amazon.com/msk/latest/developerguide/serverless-config.html),
 * so neither is sent as an alteration there. A tiered topic also bounds
 * what its brokers keep locally; throws {@link TopicsSpecError} when its
 * local retention is missing.
 */
export function desiredTopics(spec: TopicsSpec): DesiredTopic[] {
  return Object.entries(spec.topics).map(([name, t]) => {
    const configs: Record<string, string> = {
      [TopicConfigName.RETENTION_MS]: retentionMs(t.retentionHours),
      [TopicConfigName.CLEANUP_POLICY]: t.cleanupPolicy,
    };
    if (spec.clusterKind === ClusterKind.PROVISIONED) configs[TopicConfigName.MIN_INSYNC_REPLICAS] = String(t.minInSyncReplicas);
    if (isTiered(spec, t)) {
      // Left to Kafka's -2, brokers would keep every tiered segment on their own disks as well.
      if (t.localRetentionHours === undefined) throw new TopicsSpecError(`Topic '${name}' is in tiered storage and has no localRetentionHours`);
      configs[TopicConfigName.REMOTE_STORAGE_ENABLE] = 'true';
      configs[TopicConfigName.LOCAL_RETENTION_MS] = retentionMs(t.localRetentionHours);
      if (t.localRetentionBytes !== undefined) configs[TopicConfigName.LOCAL_RETENTION_BYTES] = String(t.localRetentionBytes);
    }
    return { name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs };
  });
}

/** Which managed configs an existing topic may change on this kind of cluster. */
export function planOptions(kind: ClusterKind): PlanOptions {
  return kind === ClusterKind.SERVERLESS
    ? { alterableConfigs: [TopicConfigName.RETENTION_MS] }
    : {
        alterableConfigs: [
          TopicConfigName.RETENTION_MS,
          TopicConfigName.CLEANUP_POLICY,
          TopicConfigName.MIN_INSYNC_REPLICAS,
          TopicConfigName.REMOTE_STORAGE_ENABLE,
          TopicConfigName.LOCAL_RETENTION_MS,
          TopicConfigName.LOCAL_RETENTION_BYTES,
        ],
      };
}

/** Every config name `desiredTopics` may set, for describing existing topics. */
export const MANAGED_CONFIG_NAMES: readonly string[] = Object.values(TopicConfigName);
