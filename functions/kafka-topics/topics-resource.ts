import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { applyTopics } from './apply-topics.js';
import type { TopicAdmin, TopicsApplied } from './apply-topics.js';
import { TopicsSpecError } from './errors.js';
import { desiredTopics, MANAGED_CONFIG_NAMES, parseTopicsSpec, planOptions } from './topic-spec.js';

/** An admin client the handler connects, uses once and disconnects. */
export interface ConnectableTopicAdmin extends TopicAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Builds the admin for the cluster's bootstrap servers: MSK IAM in Lambda, a plain client in tests. */
export type TopicAdminFactory = (bootstrapBrokers: string) => ConnectableTopicAdmin;

/** What the Provider framework's onEvent handler returns. */
export interface TopicsResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

export interface TopicsResourceLog {
  info(message: string, details?: Record<string, unknown>): void;
}

/** The properties the KafkaTopics construct sets on the custom resource. */
export const TopicsResourceProperty = {
  BOOTSTRAP_BROKERS: 'BootstrapBrokers',
  CLUSTER_ARN: 'ClusterArn',
  SPEC: 'Spec',
} as const;

/**
 * The custom resource's onEvent handler. Create and Update converge the
 * cluster on the topics of the config; Delete does nothing on purpose:
 * topics hold the pipeline's data, and removing a stack (or a topic from the
 * config) must never destroy records. Delete them by hand when you mean it.
 */
export function createTopicsResourceHandler(adminFactory: TopicAdminFactory, log: TopicsResourceLog): (event: CloudFormationCustomResourceEvent) => Promise<TopicsResourceResponse> {
  return async (event) => {
    if (event.RequestType === 'Delete') {
      log.info('Stack delete: Kafka topics are left in place with their data', { physicalResourceId: event.PhysicalResourceId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const properties = event.ResourceProperties as Readonly<Record<string, unknown>>;
    const brokers = stringProperty(properties, TopicsResourceProperty.BOOTSTRAP_BROKERS);
    const clusterArn = stringProperty(properties, TopicsResourceProperty.CLUSTER_ARN);
    const spec = parseTopicsSpec(stringProperty(properties, TopicsResourceProperty.SPEC));
    const admin = adminFactory(brokers);
    await admin.connect();
    let applied: TopicsApplied;
    try {
      applied = await applyTopics(admin, desiredTopics(spec), planOptions(spec.clusterKind), MANAGED_CONFIG_NAMES);
    } finally {
      await admin.disconnect();
    }
    log.info('Kafka topics converged', { created: applied.created, partitionsAdded: applied.partitionsAdded, configsAltered: applied.configsAltered, unchanged: applied.unchanged });
    return {
      // Stable across updates: a new id would make CloudFormation send a Delete for the old one.
      PhysicalResourceId: event.RequestType === 'Create' ? `${clusterArn}/topics` : event.PhysicalResourceId,
      Data: {
        Created: applied.created.join(','),
        PartitionsAdded: applied.partitionsAdded.join(','),
        ConfigsAltered: applied.configsAltered.join(','),
      },
    };
  };
}

function stringProperty(properties: Readonly<Record<string, unknown>>, name: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || value.length === 0) throw new TopicsSpecError(`The ${name} property must be a non-empty string`);
  return value;
}
