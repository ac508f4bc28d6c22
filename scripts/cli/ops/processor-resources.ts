import type { ProcessorResources } from '../../../lib/config/resource-names.js';

/** The names the local stack's provisioning (scripts/local/pipeline/provision.ts) and processor runner (run-processor.ts) use. */
export function localProcessorResources(processor: string, topics: readonly string[]): ProcessorResources {
  return {
    processor,
    inputs: topics.map((topic) => ({ topic, consumerGroupId: `rtp-${processor}` })),
    stateTableName: processor,
    deadLetterQueueName: `${processor}-dlq`,
    onFailureQueueName: `${processor}-on-failure`,
  };
}
