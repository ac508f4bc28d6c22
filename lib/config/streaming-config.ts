import { z } from 'zod';
import { intBetween } from './config-rules.js';

/** The `msk` and `topics` sections of the configuration: the cluster, and the topics created on it. */

const serverlessMsk = z.strictObject({
  kind: z.literal('serverless'),
});

/** https://docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html */
const provisionedMsk = z.strictObject({
  kind: z.literal('provisioned'),
  /** A multiple of the number of availability zones. */
  brokerCount: intBetween(2, 30),
  instanceType: z.string().regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "must be an MSK broker type such as 'kafka.m7g.large'"),
  kafkaVersion: z.string().regex(/^\d+\.\d+\.\d+(\.x)?(\.tiered)?$|^\d+\.\d+\.x$/, "must be an MSK Kafka version such as '3.9.x'"),
  /** EBS storage per broker in GiB. */
  volumeSizeGiB: intBetween(1, 16_384),
  /** Tiered storage keeps old segments in S3; it needs a kafka.m5/m7g.large or larger broker. */
  tieredStorage: z.boolean(),
  /** How many days the broker logs are kept in CloudWatch Logs. */
  brokerLogRetentionDays: z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365)]),
});

export const mskConfigSchema = z.discriminatedUnion('kind', [serverlessMsk, provisionedMsk]);

/** https://kafka.apache.org/documentation/#topicconfigs */
export const topicConfigSchema = z.strictObject({
  /** The Glue subject whose schema governs the topic's values; must be a folder of schemas/. */
  subject: z.string().min(1).optional(),
  partitions: intBetween(1, 10_000),
  /** Serverless MSK fixes this at 3; the value must then be 3. */
  replicationFactor: intBetween(1, 5),
  minInSyncReplicas: intBetween(1, 5),
  /** retention.ms; -1 keeps records forever. */
  retentionHours: z.number().int().min(-1, 'must be -1 (forever) or a number of hours').refine((h) => h !== 0, 'must not be 0'),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
  /**
   * local.retention.ms, in hours, of a topic in tiered storage (provisioned
   * `msk.tieredStorage` and cleanupPolicy 'delete'): how long brokers keep a
   * segment on their own disks once it is also in remote storage. Below
   * retentionHours, as MSK requires. Kafka's -2 (as long as retention.ms) is
   * refused: brokers would keep everything and tiering would save no disk.
   * https://docs.aws.amazon.com/msk/latest/developerguide/msk-guidelines-tiered-storage-topic-level-config.html
   * @default 24 on a tiered topic (DEFAULT_LOCAL_RETENTION_HOURS); not allowed on others
   */
  localRetentionHours: z
    .number()
    .int('must be a whole number')
    .min(1, "must be at least 1 hour: Kafka's -2 (as long as retention.ms) would keep every segment on the brokers and tiered storage would save no disk")
    .optional(),
  /**
   * local.retention.bytes of a tiered topic, per partition; the broker
   * deletes a local segment at whichever of the two limits comes first.
   * @default no size limit: retention.bytes is left unlimited, so only localRetentionHours bounds the local copy
   */
  localRetentionBytes: z.number().int('must be a whole number').min(1, 'must be at least 1 byte').optional(),
});

export type MskConfig = z.input<typeof mskConfigSchema>;
export type TopicConfig = z.input<typeof topicConfigSchema>;

/** MSK's shortest retention.ms for a topic in tiered storage: three days. */
const TIERED_MIN_RETENTION_HOURS = 72;

/** The rules of each topic that depend on the cluster it is created on. */
export function checkTopics(topics: Readonly<Record<string, z.output<typeof topicConfigSchema>>>, msk: z.output<typeof mskConfigSchema>, ctx: z.RefinementCtx): void {
  for (const [topicName, t] of Object.entries(topics)) {
    if (t.minInSyncReplicas > t.replicationFactor) {
      ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'minInSyncReplicas'], message: 'must not exceed replicationFactor' });
    }
    if (msk.kind === 'serverless' && t.replicationFactor !== 3) {
      ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'replicationFactor'], message: 'must be 3 on serverless MSK, which fixes it' });
    }
    if (msk.kind === 'serverless' && t.minInSyncReplicas !== 2) {
      ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'minInSyncReplicas'], message: 'must be 2 on serverless MSK, which fixes it' });
    }
    if (msk.kind === 'provisioned' && t.replicationFactor > msk.brokerCount) {
      ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'replicationFactor'], message: `must not exceed msk.brokerCount (${msk.brokerCount})` });
    }
    checkTieredRetention(msk, topicName, t, ctx);
  }
}

/** The retention rules of MSK tiered storage, on the topics it applies to; local retention keys anywhere else are refused. */
function checkTieredRetention(msk: z.output<typeof mskConfigSchema>, topicName: string, t: z.output<typeof topicConfigSchema>, ctx: z.RefinementCtx): void {
  const tiered = msk.kind === 'provisioned' && msk.tieredStorage && t.cleanupPolicy === 'delete';
  if (!tiered) {
    for (const key of ['localRetentionHours', 'localRetentionBytes'] as const) {
      if (t[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['topics', topicName, key], message: "only applies to a topic in tiered storage: msk.kind 'provisioned' with msk.tieredStorage true, and cleanupPolicy 'delete'" });
      }
    }
    return;
  }
  if (t.retentionHours === -1) return;
  if (t.retentionHours < TIERED_MIN_RETENTION_HOURS) {
    ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'retentionHours'], message: `must be -1 or at least ${TIERED_MIN_RETENTION_HOURS} (3 days) on a topic in tiered storage, MSK's minimum` });
  }
  if (t.localRetentionHours !== undefined && t.localRetentionHours >= t.retentionHours) {
    ctx.addIssue({ code: 'custom', path: ['topics', topicName, 'localRetentionHours'], message: `must be less than retentionHours (${t.retentionHours}): MSK refuses a local retention equal to or above the topic's retention` });
  }
}
