import { ConfigResourceTypes } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { planTopics, TopicActionKind } from './topic-plan.js';
import type { DesiredTopic, ExistingTopic, PlanOptions, TopicAction } from './topic-plan.js';

/** The admin calls topic management needs; kafkajs' `Admin` has them, and tests can fake them. */
export type TopicAdmin = Pick<Admin, 'listTopics' | 'fetchTopicMetadata' | 'describeConfigs' | 'createTopics' | 'createPartitions' | 'alterConfigs'>;

/** What one run did, by topic name. */
export interface TopicsApplied {
  readonly created: readonly string[];
  readonly partitionsAdded: readonly string[];
  readonly configsAltered: readonly string[];
  readonly unchanged: readonly string[];
  readonly actions: readonly TopicAction[];
}

/**
 * Reads the named topics that exist: partition count, replication factor
 * (the replica count of partition 0, which Kafka keeps uniform per topic)
 * and the current values of `configNames`.
 */
export async function describeTopics(admin: TopicAdmin, names: readonly string[], configNames: readonly string[]): Promise<Map<string, ExistingTopic>> {
  const onCluster = new Set(await admin.listTopics());
  const present = names.filter((n) => onCluster.has(n));
  const described = new Map<string, ExistingTopic>();
  if (present.length === 0) return described;
  const metadata = await admin.fetchTopicMetadata({ topics: present });
  const configs = await admin.describeConfigs({
    resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...configNames] })),
    includeSynonyms: false,
  });
  const configsByTopic = new Map(
    configs.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))] as const),
  );
  for (const topic of metadata.topics) {
    const first = topic.partitions.find((p) => p.partitionId === 0) ?? topic.partitions[0];
    described.set(topic.name, {
      name: topic.name,
      partitions: topic.partitions.length,
      replicationFactor: first?.replicas.length ?? 0,
      configs: configsByTopic.get(topic.name) ?? {},
    });
  }
  return described;
}

/**
 * Brings the cluster to `desired`: describes, plans (refusing what Kafka
 * cannot do in place before touching anything), then runs the plan. Safe to
 * run again after a partial failure: the next plan starts from what exists.
 */
export async function applyTopics(admin: TopicAdmin, desired: readonly DesiredTopic[], options: PlanOptions, configNames: readonly string[]): Promise<TopicsApplied> {
  const existing = await describeTopics(admin, desired.map((t) => t.name), configNames);
  const actions = planTopics(desired, existing, options);
  const creates = actions.filter((a) => a.kind === TopicActionKind.CREATE);
  const additions = actions.filter((a) => a.kind === TopicActionKind.ADD_PARTITIONS);
  const alterations = actions.filter((a) => a.kind === TopicActionKind.ALTER_CONFIGS);
  if (creates.length > 0) {
    // Resolves false for a topic someone created meanwhile: it exists, which is what we wanted.
    await admin.createTopics({
      waitForLeaders: true,
      topics: creates.map((a) => ({
        topic: a.topic,
        numPartitions: a.partitions,
        replicationFactor: a.replicationFactor,
        configEntries: Object.entries(a.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  if (additions.length > 0) {
    await admin.createPartitions({ topicPartitions: additions.map((a) => ({ topic: a.topic, count: a.to })) });
  }
  if (alterations.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: alterations.map((a) => ({
        type: ConfigResourceTypes.TOPIC,
        name: a.topic,
        configEntries: Object.entries(a.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const touched = new Set(actions.map((a) => a.topic));
  return {
    created: creates.map((a) => a.topic),
    partitionsAdded: additions.map((a) => a.topic),
    configsAltered: alterations.map((a) => a.topic),
    unchanged: desired.map((t) => t.name).filter((n) => !touched.has(n)).sort(),
    actions,
  };
}
