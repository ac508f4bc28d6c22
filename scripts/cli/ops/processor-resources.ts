import type { ProcessorResources } from '../../../lib/config/resource-names.js';
import { currentStateVersion, STATE_VERSIONS_PATH, versionedResources } from './state-versions.js';

/** The names the local stack's provisioning (scripts/reference/provision.ts) and processor runner (scripts/lambda-emulator/run-processor.ts) use: version 1 of the state. */
export function baseLocalProcessorResources(processor: string, topics: readonly string[]): ProcessorResources {
  return {
    processor,
    inputs: topics.map((topic) => ({ topic, consumerGroupId: `rtp-${processor}` })),
    stateTableName: processor,
    deadLetterQueueName: `${processor}-dlq`,
    onFailureQueueName: `${processor}-on-failure`,
  };
}

/**
 * The names of the processor's current state version, as `rtp replay`
 * recorded it (see state-versions.ts): after a replay has switched, `rtp
 * lag` watches the new consumer group and the state lives in the new table.
 */
export function localProcessorResources(processor: string, topics: readonly string[], versionsPath: string = STATE_VERSIONS_PATH): ProcessorResources {
  return versionedResources(baseLocalProcessorResources(processor, topics), currentStateVersion(processor, versionsPath));
}
