import { Aspects, Tags, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Subject } from '../functions/core/serde/subject-catalog.js';
import { ENVIRONMENT_CONFIGS, loadEnvironmentConfig, type EnvironmentConfig, type EnvironmentName } from './config/environments.js';
import { CdcStack } from './stacks/cdc-stack.js';
import { dataRemovalPolicy, stackEnvironment } from './stacks/environment-props.js';
import { NetworkStack } from './stacks/network-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';
import { ProcessingStack } from './stacks/processing-stack.js';
import { SchemasStack } from './stacks/schemas-stack.js';
import { StreamingStack } from './stacks/streaming-stack.js';

export interface PipelineAppProps {
  /** The subjects of schemas/, each with its versions. */
  readonly subjects: readonly Subject[];
  /**
   * The configuration of each environment.
   * @default the files in lib/config (dev.ts, staging.ts, prod.ts)
   */
  readonly configs?: Readonly<Record<EnvironmentName, unknown>>;
}

/** The stacks of one environment, in deployment order. */
export interface PipelineStacks {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly streaming: StreamingStack;
  readonly schemas: SchemasStack;
  /** Absent when `cdc.engine` is `none`. */
  readonly cdc?: CdcStack;
  readonly processing: ProcessingStack;
  readonly observability: ObservabilityStack;
}

/**
 * Builds the stacks of the environment named by `-c env=<name>` (default
 * dev) from its validated configuration, and applies cdk-nag's AwsSolutions
 * pack to all of them: an unsuppressed finding is a synth error.
 */
export function buildPipelineApp(app: App, props: PipelineAppProps): PipelineStacks {
  const config = loadEnvironmentConfig(app.node.tryGetContext('env'), props.configs ?? ENVIRONMENT_CONFIGS);
  const prefix = `realtime-pipeline-${config.name}`;
  const env: Environment | undefined = stackEnvironment(config);
  const common = { env };
  const describe = (part: string): string => `realtime-pipeline (${config.name}): ${part}`;

  const network = new NetworkStack(app, `${prefix}-network`, { ...common, config, description: describe('VPC, subnets, flow logs and endpoints') });
  const streaming = new StreamingStack(app, `${prefix}-streaming`, {
    ...common,
    config,
    vpc: network.vpc,
    description: describe('MSK cluster and its topics'),
  });
  const schemas = new SchemasStack(app, `${prefix}-schemas`, {
    ...common,
    environmentName: config.name,
    subjects: props.subjects,
    removalPolicy: dataRemovalPolicy(config),
    description: describe('Glue Schema Registry and topic schemas'),
  });
  const cdc = CdcStack.isNeeded(config)
    ? new CdcStack(app, `${prefix}-cdc`, {
        ...common,
        config,
        vpc: network.vpc,
        kafka: streaming.kafka,
        ...(config.cdc.engine === 'dms' ? { dmsTarget: streaming.cluster.scramClient() } : {}),
        description: describe(`change data capture (${config.cdc.engine})`),
      })
    : undefined;
  const processing = new ProcessingStack(app, `${prefix}-processing`, {
    ...common,
    config,
    vpc: network.vpc,
    kafka: streaming.kafka,
    registryName: schemas.schemas.registry.name,
    registryArn: schemas.schemas.registry.attrArn,
    description: describe('stream processors: functions, event source mappings, state tables and queues'),
  });
  // Schemas first: a processor started before its subjects exist would dead-letter every record as unknown.
  processing.addStackDependency(schemas);
  const observability = new ObservabilityStack(app, `${prefix}-observability`, {
    ...common,
    config,
    processors: processing.processors.map((p) => p.monitored),
    clusterName: streaming.cluster.clusterName,
    mskKind: config.msk.kind,
    description: describe('alarms, alarm topic and dashboard'),
  });

  const stacks = { config, network, streaming, schemas, cdc, processing, observability };
  for (const stack of [network, streaming, schemas, cdc, processing, observability]) {
    if (stack === undefined) continue;
    Tags.of(stack).add('project', 'realtime-pipeline');
    Tags.of(stack).add('environment', config.name);
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return stacks;
}
