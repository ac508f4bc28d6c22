import { z } from 'zod';
import { intBetween } from './config-rules.js';

/**
 * The `processors` section of the configuration: one processor's function
 * and event source mapping.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export const processorConfigSchema = z
  .strictObject({
    /** The topics the processor reads; each must be in `topics`. */
    topics: z.array(z.string().min(1)).min(1, 'must name at least one topic'),
    batchSize: intBetween(1, 10_000),
    maxBatchingWindowSeconds: intBetween(0, 300),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']),
    /** Unix seconds; required with AT_TIMESTAMP. */
    startingPositionTimestamp: z.number().int().min(0).optional(),
    /**
     * Retries of a failed batch before the mapping gives it up to the
     * on-failure queue (the records are then skipped). -1 is refused: with
     * an on-failure destination, which every processor has, Lambda turns
     * infinite retries into 10, too few to ride out a DLQ or DynamoDB
     * outage of minutes without skipping records.
     */
    retryAttempts: z
      .number()
      .int()
      .min(0, 'must be 0 to 10000: -1 would mean 10, since Lambda caps infinite retries at 10 when an on-failure destination is set, and every processor has one')
      .max(10_000, 'must be at most 10000'),
    /** -1 keeps retrying whatever the age; otherwise 60 to 604800 seconds. */
    maxRecordAgeSeconds: z.number().int().refine((s) => s === -1 || (s >= 60 && s <= 604_800), 'must be -1 (infinite) or 60 to 604800'),
    bisectBatchOnError: z.boolean(),
    memoryMiB: intBetween(128, 10_240),
    timeoutSeconds: intBetween(1, 900),
    /** Reserved concurrency; omitted, the function shares the account's pool. */
    reservedConcurrency: intBetween(1, 1000).optional(),
    /**
     * Provisioned mode of the mapping: always-on event pollers. Required,
     * because Kafka mappings honour partial batch responses (and retries,
     * record age, bisect and the schema registry) only in provisioned mode,
     * and the handlers answer every batch with one: without it a partition
     * the handler asked to retry would be taken as done.
     * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
     */
    provisionedPollers: z.strictObject({ minimum: intBetween(1, 200), maximum: intBetween(1, 2000) }, {
      error: (issue) => (issue.input === undefined ? 'is required: Kafka mappings honour the partial batch responses the handlers return only with provisioned pollers' : undefined),
    }),
    /** Let the mapping validate records against the Glue registry before invoking, passing them on in their SOURCE format. */
    schemaRegistryIntegration: z.boolean(),
  })
  .superRefine((p, ctx) => {
    if (p.startingPosition === 'AT_TIMESTAMP' && p.startingPositionTimestamp === undefined) {
      ctx.addIssue({ code: 'custom', path: ['startingPositionTimestamp'], message: 'is required when startingPosition is AT_TIMESTAMP' });
    }
    if (p.startingPosition !== 'AT_TIMESTAMP' && p.startingPositionTimestamp !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['startingPositionTimestamp'], message: 'is only allowed when startingPosition is AT_TIMESTAMP' });
    }
    if (p.provisionedPollers !== undefined && p.provisionedPollers.minimum > p.provisionedPollers.maximum) {
      ctx.addIssue({ code: 'custom', path: ['provisionedPollers', 'minimum'], message: 'must not exceed provisionedPollers.maximum' });
    }
  });

export type ProcessorConfig = z.input<typeof processorConfigSchema>;

/** The rules of each processor that depend on the topics it reads. */
export function checkProcessors(
  processors: Readonly<Record<string, z.output<typeof processorConfigSchema>>>,
  topics: Readonly<Record<string, { readonly subject?: string | undefined }>>,
  ctx: z.RefinementCtx,
): void {
  for (const [processorName, p] of Object.entries(processors)) {
    p.topics.forEach((t, i) => {
      if (!(t in topics)) ctx.addIssue({ code: 'custom', path: ['processors', processorName, 'topics', i], message: `must be a key of topics; '${t}' is not` });
    });
    if (p.schemaRegistryIntegration && p.topics.some((t) => topics[t]?.subject === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['processors', processorName, 'schemaRegistryIntegration'], message: 'needs every topic of the processor to name its subject' });
    }
  }
}
