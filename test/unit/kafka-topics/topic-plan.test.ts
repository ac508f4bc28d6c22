import { describe, expect, it } from 'vitest';
import { TopicPlanError, TopicPlanErrorReason } from '../../../functions/kafka-topics/errors.js';
import { planTopics, TopicActionKind } from '../../../functions/kafka-topics/topic-plan.js';
import type { DesiredTopic, ExistingTopic, PlanOptions } from '../../../functions/kafka-topics/topic-plan.js';

const ALL_ALTERABLE: PlanOptions = { alterableConfigs: ['retention.ms', 'cleanup.policy', 'min.insync.replicas'] };
const WEEK_MS = '604800000';

function desired(overrides: Partial<DesiredTopic> = {}): DesiredTopic {
  return {
    name: 'orders',
    partitions: 6,
    replicationFactor: 3,
    configs: { 'retention.ms': WEEK_MS, 'cleanup.policy': 'delete', 'min.insync.replicas': '2' },
    ...overrides,
  };
}

function existing(overrides: Partial<ExistingTopic> = {}): ReadonlyMap<string, ExistingTopic> {
  const topic: ExistingTopic = { ...desired(), ...overrides };
  return new Map([[topic.name, topic]]);
}

function planError(run: () => unknown): TopicPlanError {
  try {
    run();
  } catch (error) {
    if (error instanceof TopicPlanError) return error;
    throw error;
  }
  throw new Error('expected planTopics to throw');
}

describe('planTopics', () => {
  it('creates a missing topic with its partitions, replicas and configs', () => {
    const actions = planTopics([desired()], new Map(), ALL_ALTERABLE);

    expect(actions).toEqual([
      { kind: TopicActionKind.CREATE, topic: 'orders', partitions: 6, replicationFactor: 3, configs: { 'retention.ms': WEEK_MS, 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } },
    ]);
  });

  it('plans nothing when the topic already matches, so a rerun is a no-op', () => {
    expect(planTopics([desired()], existing(), ALL_ALTERABLE)).toEqual([]);
  });

  it('adds partitions when the config asks for more', () => {
    const actions = planTopics([desired({ partitions: 12 })], existing(), ALL_ALTERABLE);

    expect(actions).toEqual([{ kind: TopicActionKind.ADD_PARTITIONS, topic: 'orders', from: 6, to: 12 }]);
  });

  it('alters configs with the whole managed set and names each change', () => {
    const actions = planTopics([desired({ configs: { ...desired().configs, 'retention.ms': '-1' } })], existing(), ALL_ALTERABLE);

    expect(actions).toEqual([
      {
        kind: TopicActionKind.ALTER_CONFIGS,
        topic: 'orders',
        configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete', 'min.insync.replicas': '2' },
        changes: [{ name: 'retention.ms', from: WEEK_MS, to: '-1' }],
      },
    ]);
  });

  it('treats a config the cluster does not report as a change', () => {
    const actions = planTopics([desired()], existing({ configs: { 'retention.ms': WEEK_MS, 'cleanup.policy': 'delete' } }), ALL_ALTERABLE);

    expect(actions).toMatchObject([{ kind: TopicActionKind.ALTER_CONFIGS, changes: [{ name: 'min.insync.replicas', from: undefined, to: '2' }] }]);
  });

  it('adds partitions and alters configs of the same topic in one plan', () => {
    const actions = planTopics([desired({ partitions: 8, configs: { ...desired().configs, 'cleanup.policy': 'compact' } })], existing(), ALL_ALTERABLE);

    expect(actions.map((a) => a.kind)).toEqual([TopicActionKind.ADD_PARTITIONS, TopicActionKind.ALTER_CONFIGS]);
  });

  it('throws when the config asks for fewer partitions, naming the topic and both counts', () => {
    const error = planError(() => planTopics([desired({ partitions: 3 })], existing(), ALL_ALTERABLE));

    expect(error.reason).toBe(TopicPlanErrorReason.PARTITIONS_SHRINK);
    expect(error).toMatchObject({ topic: 'orders', current: 6, requested: 3 });
    expect(error.message).toMatch(/Topic 'orders' has 6 partitions and the config asks for 3: Kafka cannot remove partitions/);
  });

  it('throws before planning any action when one topic of several would shrink', () => {
    const topics = [desired({ name: 'a-new-topic' }), desired({ partitions: 12, configs: { ...desired().configs, 'retention.ms': '1' } }), desired({ name: 'stock', partitions: 1 })];
    const cluster = new Map([...existing(), ['stock', { ...desired({ name: 'stock' }) }]]);

    expect(() => planTopics(topics, cluster, ALL_ALTERABLE)).toThrow(TopicPlanError);
  });

  it('throws when the replication factor changes', () => {
    const error = planError(() => planTopics([desired({ replicationFactor: 2 })], existing(), ALL_ALTERABLE));

    expect(error.reason).toBe(TopicPlanErrorReason.REPLICATION_FACTOR_CHANGE);
    expect(error).toMatchObject({ topic: 'orders', current: 3, requested: 2 });
    expect(error.message).toMatch(/replication factor 3 and the config asks for 2/);
  });

  it('throws when a config the cluster only sets at creation differs', () => {
    const options: PlanOptions = { alterableConfigs: ['retention.ms'] };
    const error = planError(() => planTopics([desired({ configs: { 'retention.ms': WEEK_MS, 'cleanup.policy': 'compact' } })], existing(), options));

    expect(error.reason).toBe(TopicPlanErrorReason.CONFIG_NOT_ALTERABLE);
    expect(error).toMatchObject({ topic: 'orders', current: 'delete', requested: 'compact' });
  });

  it('sends only alterable configs when altering on a restricted cluster', () => {
    const options: PlanOptions = { alterableConfigs: ['retention.ms'] };
    const actions = planTopics([desired({ configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete' } })], existing(), options);

    expect(actions).toMatchObject([{ kind: TopicActionKind.ALTER_CONFIGS, configs: { 'retention.ms': '-1' } }]);
    expect(Object.keys((actions[0] as { configs: object }).configs)).toEqual(['retention.ms']);
  });

  it('leaves topics the config does not name alone', () => {
    const cluster = new Map([['legacy', { ...desired({ name: 'legacy' }) }]]);

    expect(planTopics([], cluster, ALL_ALTERABLE)).toEqual([]);
  });
});
