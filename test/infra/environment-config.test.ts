import { describe, expect, it } from 'vitest';
import { dev } from '../../lib/config/dev.js';
import {
  ENVIRONMENT_CONFIGS,
  ENVIRONMENT_NAMES,
  EnvironmentConfigError,
  environmentName,
  loadEnvironmentConfig,
  validateEnvironmentConfig,
} from '../../lib/config/environments.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import { prod } from '../../lib/config/prod.js';

type Processor = PipelineConfig['processors'][string];

const withProcessor = (base: PipelineConfig, changes: Partial<Processor>): PipelineConfig => ({
  ...base,
  processors: { ...base.processors, 'order-analytics': { ...base.processors['order-analytics']!, ...changes } },
});
const dmsCdc = {
  engine: 'dms',
  source: { ...(dev.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>).source },
  tables: ['public.stock_movements'],
  topic: 'stock-movements',
  minCapacityUnits: 1,
  maxCapacityUnits: 4,
} as const;

/** The problems a config is rejected with, as `key: rule` lines. */
function problems(config: unknown): string[] {
  try {
    validateEnvironmentConfig('dev', config);
  } catch (error) {
    if (error instanceof EnvironmentConfigError) return error.problems.map((p) => `${p.key}: ${p.rule}`);
    throw error;
  }
  return [];
}

describe('environment config', () => {
  it.each(ENVIRONMENT_NAMES)('accepts the %s file as shipped', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.name).toBe(name);
    expect(Object.keys(config.processors).sort()).toEqual(['inventory-projector', 'order-analytics']);
  });

  it('defaults to dev when no env is given, and rejects an unknown one naming the context key', () => {
    expect(environmentName(undefined)).toBe('dev');
    expect(() => environmentName('qa')).toThrow(/Context key 'env' must be one of dev, staging, prod; got "qa"/);
  });

  it('throws naming the key, the rule and the value for a batch size of 0', () => {
    expect(() => validateEnvironmentConfig('dev', withProcessor(dev, { batchSize: 0 }))).toThrow(
      /Invalid configuration for environment 'dev' \(lib\/config\/dev\.ts\):\n {2}processors\.order-analytics\.batchSize: must be at least 1 \(got 0\)/,
    );
  });

  it('throws naming cdc.source.cidr when the source has neither a CIDR nor a security group', () => {
    const debezium = dev.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>;
    const source = { ...debezium.source, cidr: undefined };
    expect(() => validateEnvironmentConfig('dev', { ...dev, cdc: { ...debezium, source } })).toThrow(
      /cdc\.source\.cidr: is required when cdc\.source\.securityGroupId is not set: the database port is opened only to the database's security group or CIDR, never to 0\.0\.0\.0\/0/,
    );
  });

  it('throws naming cdc.source.cidr when the CIDR would open the database port to the internet', () => {
    const debezium = dev.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>;
    expect(() => validateEnvironmentConfig('dev', { ...dev, cdc: { ...debezium, source: { ...debezium.source, cidr: '0.0.0.0/0' } } })).toThrow(
      /cdc\.source\.cidr: must be an IPv4 CIDR block from \/8 to \/32 such as '10\.40\.200\.0\/24' \(the database's subnet\) \(got "0\.0\.0\.0\/0"\)/,
    );
  });

  it('refuses infinite retries, which Lambda would cap at 10 beside the on-failure destination, saying so', () => {
    expect(() => validateEnvironmentConfig('dev', withProcessor(dev, { retryAttempts: -1 }))).toThrow(
      /processors\.order-analytics\.retryAttempts: must be 0 to 10000: -1 would mean 10, since Lambda caps infinite retries at 10 when an on-failure destination is set, and every processor has one \(got -1\)/,
    );
  });

  it('throws naming cdc.engine for an unknown CDC engine', () => {
    expect(() => validateEnvironmentConfig('dev', { ...dev, cdc: { engine: 'kafka-connect' } })).toThrow(/cdc\.engine: .*'none' \| 'debezium' \| 'dms'.* \(got "kafka-connect"\)/);
  });

  it('reports every broken rule at once', () => {
    const config = withProcessor({ ...dev, alarms: { ...dev.alarms, emails: ['ops'], nobodyNotified: false } }, { batchSize: 20_000, timeoutSeconds: 0 });
    expect(problems(config)).toEqual([
      'processors.order-analytics.batchSize: must be at most 10000',
      'processors.order-analytics.timeoutSeconds: must be at least 1',
      'alarms.emails.0: must be an e-mail address',
    ]);
  });

  it('rejects keys it does not know, so a typo is not silently ignored', () => {
    expect(problems(withProcessor(dev, { batchsize: 10 } as Partial<Processor>))).toEqual([
      expect.stringMatching(/^processors\.order-analytics: .*batchsize/),
    ]);
  });

  it.each([
    ['AT_TIMESTAMP without a timestamp', { startingPosition: 'AT_TIMESTAMP' }, 'startingPositionTimestamp: is required when startingPosition is AT_TIMESTAMP'],
    ['a timestamp without AT_TIMESTAMP', { startingPositionTimestamp: 1_700_000_000 }, 'startingPositionTimestamp: is only allowed when startingPosition is AT_TIMESTAMP'],
    ['no provisioned pollers', { provisionedPollers: undefined }, 'provisionedPollers: is required: Kafka mappings honour the partial batch responses the handlers return only with provisioned pollers'],
    ['a record age under a minute', { maxRecordAgeSeconds: 30 }, 'maxRecordAgeSeconds: must be -1 (infinite) or 60 to 604800'],
    ['more minimum than maximum pollers', { provisionedPollers: { minimum: 3, maximum: 2 } }, 'provisionedPollers.minimum: must not exceed provisionedPollers.maximum'],
    ['a topic that is not configured', { topics: ['payments'] }, "topics.0: must be a key of topics; 'payments' is not"],
  ] as const)('rejects a processor with %s', (_, changes, expected) => {
    expect(problems(withProcessor(dev, changes as Partial<Processor>)).join('\n')).toContain(`processors.order-analytics.${expected}`);
  });

  it('rejects topics that break replication rules', () => {
    const orders = dev.topics.orders!;
    expect(problems({ ...dev, topics: { ...dev.topics, orders: { ...orders, replicationFactor: 2, minInSyncReplicas: 3 } } })).toEqual([
      'topics.orders.minInSyncReplicas: must not exceed replicationFactor',
      'topics.orders.replicationFactor: must be 3 on serverless MSK, which fixes it',
      'topics.orders.minInSyncReplicas: must be 2 on serverless MSK, which fixes it',
    ]);
    expect(problems({ ...prod, topics: { ...prod.topics, orders: { ...orders, replicationFactor: 5, minInSyncReplicas: 2 } } })).toEqual([
      'topics.orders.replicationFactor: must not exceed msk.brokerCount (3)',
    ]);
  });

  it('rejects a broker count that does not spread evenly over the zones', () => {
    expect(problems({ ...prod, msk: { ...prod.msk, brokerCount: 4 } })).toEqual(["msk.brokerCount: must be a multiple of the VPC's 3 availability zones"]);
  });

  it('accepts an existing VPC with one subnet per zone and rejects a mismatch', () => {
    const vpc = { kind: 'existing', vpcId: 'vpc-0abc12345def67890', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0abc1234', 'subnet-0def5678'] } as const;
    expect(problems({ ...dev, vpc })).toEqual([]);
    expect(problems({ ...dev, vpc: { ...vpc, privateSubnetIds: ['subnet-0abc1234'] } })).toEqual([
      'vpc.privateSubnetIds: Too small: expected array to have >=2 items',
      'vpc.privateSubnetIds: must have one subnet per entry of vpc.availabilityZones',
    ]);
  });

  it('checks Debezium connectors: unique names, a topic for changes, none for an outbox', () => {
    const cdc = dev.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>;
    const connectors = [
      { name: 'a', kind: 'changes', table: 'public.a' },
      { name: 'a', kind: 'outbox', table: 'public.outbox', topic: 'orders' },
      { name: 'b', kind: 'changes', table: 'public.b', topic: 'nowhere' },
    ] as const;
    expect(problems({ ...dev, cdc: { ...cdc, connectors } })).toEqual([
      "cdc.connectors.0.topic: is required for a 'changes' connector",
      "cdc.connectors.1.name: must be unique; 'a' repeats",
      "cdc.connectors.1.topic: must be omitted for an 'outbox' connector, which routes each row by its aggregate_type",
      "cdc.connectors.2.topic: must be a key of topics; 'nowhere' is not",
    ]);
  });

  it('accepts DMS on provisioned MSK and checks its capacity and topic', () => {
    expect(problems({ ...prod, cdc: dmsCdc })).toEqual([]);
    expect(problems({ ...dev, cdc: dmsCdc })).toEqual([
      "cdc.engine: 'dms' needs msk.kind 'provisioned': DMS cannot authenticate with IAM, the only method of MSK Serverless",
    ]);
    expect(problems({ ...prod, cdc: { ...dmsCdc, minCapacityUnits: 8, topic: 'nowhere' } })).toEqual([
      'cdc.minCapacityUnits: must not exceed cdc.maxCapacityUnits',
      "cdc.topic: must be a key of topics; 'nowhere' is not",
    ]);
  });

  it('fails synth naming alarms.emails when the alarm topic would have no subscriber', () => {
    expect(() => validateEnvironmentConfig('prod', { ...prod, alarms: { ...prod.alarms, emails: [], emailParameter: false } })).toThrow(
      /alarms\.emails: must list at least one address, or alarms\.emailParameter must be true to take one at deploy: the alarms would notify nobody\. Set alarms\.nobodyNotified: true if that is meant \(got \[\]\)/,
    );
  });

  it('fails synth when alarms.nobodyNotified contradicts a subscriber', () => {
    expect(() => validateEnvironmentConfig('dev', { ...dev, alarms: { ...dev.alarms, emails: ['ops@example.com'] } })).toThrow(
      /alarms\.nobodyNotified: must be false when alarms\.emails or alarms\.emailParameter subscribes someone \(got true\)/,
    );
  });

  it('ships staging and prod taking the alarm address at deploy, and dev notifying nobody on purpose', () => {
    for (const name of ['staging', 'prod'] as const) {
      expect(validateEnvironmentConfig(name, ENVIRONMENT_CONFIGS[name]).alarms).toMatchObject({ emailParameter: true, nobodyNotified: false });
    }
    expect(validateEnvironmentConfig('dev', dev).alarms).toMatchObject({ emails: [], emailParameter: false, nobodyNotified: true });
  });

  it('ships every environment with the reference processors on their topics', () => {
    for (const name of ENVIRONMENT_NAMES) {
      const config = ENVIRONMENT_CONFIGS[name];
      expect(config.processors['order-analytics']?.topics).toEqual(['orders']);
      expect(config.processors['inventory-projector']?.topics).toEqual(['stock-movements']);
    }
  });
});
