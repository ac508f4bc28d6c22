import { TopicPlanError, TopicPlanErrorReason } from './errors.js';

/** A topic as the config wants it: partitions, replicas and the topic configs this resource manages. */
export interface DesiredTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs (`retention.ms`, ...) as Kafka spells their values. */
  readonly configs: Readonly<Record<string, string>>;
}

/** A topic as the cluster describes it; `configs` holds the current values of the managed keys. */
export interface ExistingTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string | undefined>>;
}

export interface ConfigChange {
  readonly name: string;
  readonly from: string | undefined;
  readonly to: string;
}

export const TopicActionKind = {
  CREATE: 'create',
  ADD_PARTITIONS: 'addPartitions',
  ALTER_CONFIGS: 'alterConfigs',
} as const;

export type TopicAction =
  | {
      readonly kind: typeof TopicActionKind.CREATE;
      readonly topic: string;
      readonly partitions: number;
      readonly replicationFactor: number;
      readonly configs: Readonly<Record<string, string>>;
    }
  | { readonly kind: typeof TopicActionKind.ADD_PARTITIONS; readonly topic: string; readonly from: number; readonly to: number }
  | {
      readonly kind: typeof TopicActionKind.ALTER_CONFIGS;
      readonly topic: string;
      /**
       * Every alterable managed config with its desired value, not only the
       * changed ones: Kafka's AlterConfigs (the API kafkajs speaks) replaces
       * the topic's dynamic configs as a whole, so a key left out would fall
       * back to the broker default.
       */
      readonly configs: Readonly<Record<string, string>>;
      readonly changes: readonly ConfigChange[];
    };

export interface PlanOptions {
  /**
   * The managed configs the cluster lets an existing topic change. A desired
   * config outside this list is only set at creation, and a difference on it
   * is refused.
   */
  readonly alterableConfigs: readonly string[];
}

/**
 * What to do so the cluster holds `desired`: create what is missing, add
 * partitions, align configs. Applying the plan and planning again yields no
 * action, which makes every deploy (and every retry of one) idempotent.
 * Throws {@link TopicPlanError} for the first change Kafka cannot make in
 * place, before returning any action, so a refused deploy changes nothing.
 * Topics on the cluster that `desired` does not name are left alone.
 */
export function planTopics(desired: readonly DesiredTopic[], existing: ReadonlyMap<string, ExistingTopic>, options: PlanOptions): TopicAction[] {
  const alterable = new Set(options.alterableConfigs);
  const actions: TopicAction[] = [];
  for (const want of [...desired].sort((a, b) => a.name.localeCompare(b.name))) {
    const have = existing.get(want.name);
    if (have === undefined) {
      actions.push({ kind: TopicActionKind.CREATE, topic: want.name, partitions: want.partitions, replicationFactor: want.replicationFactor, configs: { ...want.configs } });
      continue;
    }
    actions.push(...planExisting(want, have, alterable));
  }
  return actions;
}

function planExisting(want: DesiredTopic, have: ExistingTopic, alterable: ReadonlySet<string>): TopicAction[] {
  if (want.partitions < have.partitions) {
    throw new TopicPlanError(
      `Topic '${want.name}' has ${have.partitions} partitions and the config asks for ${want.partitions}: Kafka cannot remove partitions. ` +
        `Keep partitions at ${have.partitions} or more, or create a new topic and migrate to it.`,
      TopicPlanErrorReason.PARTITIONS_SHRINK,
      want.name,
      have.partitions,
      want.partitions,
    );
  }
  if (want.replicationFactor !== have.replicationFactor) {
    throw new TopicPlanError(
      `Topic '${want.name}' has replication factor ${have.replicationFactor} and the config asks for ${want.replicationFactor}: ` +
        'changing it needs a partition reassignment, which deploys do not run. Set the config back, or reassign with kafka-reassign-partitions first.',
      TopicPlanErrorReason.REPLICATION_FACTOR_CHANGE,
      want.name,
      have.replicationFactor,
      want.replicationFactor,
    );
  }
  const changes: ConfigChange[] = [];
  for (const [name, to] of Object.entries(want.configs).sort(([a], [b]) => a.localeCompare(b))) {
    const from = have.configs[name];
    if (from === to) continue;
    if (!alterable.has(name)) {
      throw new TopicPlanError(
        `Topic '${want.name}' has ${name}=${from ?? '(unset)'} and the config asks for ${to}: the cluster only sets ${name} when a topic is created.`,
        TopicPlanErrorReason.CONFIG_NOT_ALTERABLE,
        want.name,
        from ?? '(unset)',
        to,
      );
    }
    changes.push({ name, from, to });
  }
  const actions: TopicAction[] = [];
  if (want.partitions > have.partitions) {
    actions.push({ kind: TopicActionKind.ADD_PARTITIONS, topic: want.name, from: have.partitions, to: want.partitions });
  }
  if (changes.length > 0) {
    const configs = Object.fromEntries(Object.entries(want.configs).filter(([name]) => alterable.has(name)));
    actions.push({ kind: TopicActionKind.ALTER_CONFIGS, topic: want.name, configs, changes });
  }
  return actions;
}
