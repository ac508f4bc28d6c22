import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_CONFIGS, ENVIRONMENT_NAMES, type EnvironmentName } from '../../lib/config/environments.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import type { PipelineStacks } from '../../lib/pipeline-app.js';
import { EffectiveEgress } from './helpers/effective-egress.js';
import { buildUnbundledApp, prodWithDms } from './helpers/unbundled-app.js';

const VPC_OCTET: Record<EnvironmentName, number> = { dev: 40, staging: 41, prod: 42 };

/** The stacks of one environment's app and the egress their security groups add up to. */
function build(env: EnvironmentName, config?: PipelineConfig): { stacks: PipelineStacks; egress: EffectiveEgress } {
  const { stacks, all } = buildUnbundledApp(env, config);
  return { stacks, egress: new EffectiveEgress(all) };
}

const brokers = (env: string): string => `Brokers of MSK cluster realtime-pipeline-${env}`;

// Security groups are additive: what an interface may reach is the union of
// the rules of every group attached to it, so each workload is asserted on
// that union, not on its own group alone.
describe.each(ENVIRONMENT_NAMES)('effective egress in %s', (env) => {
  const { stacks, egress } = build(env);

  it('lets the Debezium workers reach the brokers, AWS APIs over HTTPS, each other on Connect REST, and the database CIDR on its port only', () => {
    const cdc = stacks.cdc!.stackName;
    const services = egress.attachments(cdc, 'AWS::ECS::Service');

    expect(services).toHaveLength(1);
    expect(egress.of(cdc, services[0]!.groups)).toEqual(
      [
        'tcp/443 -> 0.0.0.0/0',
        `tcp/5432 -> 10.${VPC_OCTET[env]}.200.0/24`,
        'tcp/8083 -> Kafka Connect workers (Debezium)',
        `tcp/9098 -> ${brokers(env)}`,
      ].sort(),
    );
  });

  it('lets every processor function reach the brokers and AWS APIs over HTTPS, nothing else', () => {
    const processing = stacks.processing.stackName;
    const functions = egress.attachments(processing, 'AWS::Lambda::Function');

    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(egress.of(processing, fn.groups)).toEqual(['tcp/443 -> 0.0.0.0/0', `tcp/9098 -> ${brokers(env)}`]);
    }
  });

  it('lets the topics function reach the brokers only', () => {
    const streaming = stacks.streaming.stackName;
    const inVpc = egress.attachments(streaming, 'AWS::Lambda::Function');

    expect(inVpc).toHaveLength(1);
    expect(egress.of(streaming, inVpc[0]!.groups)).toEqual([`tcp/9098 -> ${brokers(env)}`]);
  });
});

describe('effective egress with DMS (prod)', () => {
  const { stacks, egress } = build('prod', prodWithDms());

  it('lets the DMS replication reach the brokers on the SCRAM port, AWS APIs over HTTPS, and the database CIDR on its port only', () => {
    const cdc = stacks.cdc!.stackName;
    const replications = egress.attachments(cdc, 'AWS::DMS::ReplicationConfig');

    expect(replications).toHaveLength(1);
    expect(egress.of(cdc, replications[0]!.groups)).toEqual(['tcp/443 -> 0.0.0.0/0', 'tcp/5432 -> 10.42.200.0/24', `tcp/9096 -> ${brokers('prod')}`]);
  });

  it('keeps the SCRAM port away from the IAM clients: the processors still reach 9098 and 443 only', () => {
    const processing = stacks.processing.stackName;
    for (const fn of egress.attachments(processing, 'AWS::Lambda::Function')) {
      expect(egress.of(processing, fn.groups)).toEqual(['tcp/443 -> 0.0.0.0/0', `tcp/9098 -> ${brokers('prod')}`]);
    }
  });
});

describe('database egress with a database security group', () => {
  it('opens the database port to that group, not to a CIDR, when the source names a group and no CIDR', () => {
    const dev = ENVIRONMENT_CONFIGS.dev;
    const debezium = dev.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>;
    const config: PipelineConfig = { ...dev, cdc: { ...debezium, source: { ...debezium.source, cidr: undefined, securityGroupId: 'sg-0abc12345def67890' } } };
    const { stacks, egress } = build('dev', config);
    const cdc = stacks.cdc!.stackName;
    const [service] = egress.attachments(cdc, 'AWS::ECS::Service');

    expect(egress.of(cdc, service!.groups).filter((r) => r.startsWith('tcp/5432'))).toEqual(['tcp/5432 -> sg-0abc12345def67890']);
  });
});
