import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Option } from 'commander';
import type { Kafka } from 'kafkajs';
import { ENVIRONMENT_CONFIGS, ENVIRONMENT_NAMES, environmentName, validateEnvironmentConfig } from '../../../lib/config/environments.js';
import { LOCAL_REGISTRY_NAME } from '../../reference/provision.js';
import { STOCK_MOVEMENTS_TOPIC, ORDERS_TOPIC } from '../../reference/connectors.js';
import { kafkaClient } from '../../devstack/kafka.js';
import { LOCAL_AWS } from '../../devstack/moto.js';
import type { StackEndpoints } from '../../devstack/stack.js';
import { readStackState } from '../../devstack/stack-supervisor.js';
import { CliError } from '../cli-error.js';
import { mskIamKafka } from './msk-iam-kafka.js';
import { deployedProcessorResources, type ProcessorResources } from '../../../lib/config/resource-names.js';
import { localProcessorResources } from './processor-resources.js';

/**
 * What an operations command works against: the local stack or one deployed
 * environment. Only the endpoints and credentials differ; every command
 * takes a target and runs the same code on both.
 */
export interface PipelineTarget {
  /** 'local stack' or 'aws <env>', for messages. */
  readonly label: string;
  readonly kind: 'local' | 'aws';
  readonly registryName: string;
  /** Topic → the Glue subject governing its values, where one does. */
  readonly topicSubjects: Readonly<Record<string, string>>;
  readonly kafka: Kafka;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly glue: GlueClient;
  readonly dynamodb: DynamoDBClient;
  readonly processorNames: readonly string[];
  /** The processor's resources; a clear error naming the known ones otherwise. */
  processor(name: string): ProcessorResources;
  queueUrl(queueName: string): Promise<string>;
  close(): void;
}

export interface TargetOptions {
  /** A deployed environment (`dev`, `staging`, `prod`); without it, the local stack. */
  readonly env?: string;
}

const LOCAL_PROCESSOR_TOPICS: Readonly<Record<string, readonly string[]>> = {
  'inventory-projector': [STOCK_MOVEMENTS_TOPIC],
  'order-analytics': [ORDERS_TOPIC],
};

/** `--env <name>`: one of the deployed environments, which commander lists in help and checks while parsing. */
export function envOption(description: string): Option {
  return new Option('--env <name>', description).choices(ENVIRONMENT_NAMES);
}

/** The target the command line names: `--env <name>` for AWS, else the running local stack. */
export async function resolveTarget(options: TargetOptions): Promise<PipelineTarget> {
  if (options.env !== undefined) return awsTarget(options.env);
  const state = await readStackState();
  if (state === undefined) throw new CliError('No local stack is running: start one with `rtp local up`, or pass --env <name> for a deployed environment');
  return localTarget(state.endpoints);
}

/** The local stack at `endpoints` (as `.rtp/stack.json` records them, or as a test started it). */
export function localTarget(endpoints: Pick<StackEndpoints, 'kafka' | 'moto' | 'elasticmq' | 'dynamodb'>, options: { readonly stateVersionsPath?: string } = {}): PipelineTarget {
  const aws = { ...LOCAL_AWS, endpoint: endpoints.moto.endpoint };
  const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: endpoints.elasticmq.endpoint });
  return buildTarget({
    label: 'local stack',
    kind: 'local',
    registryName: LOCAL_REGISTRY_NAME,
    topicSubjects: { [ORDERS_TOPIC]: 'orders' },
    kafka: kafkaClient(endpoints.kafka.bootstrapServers, 'rtp-cli'),
    sqs,
    s3: new S3Client({ ...aws, forcePathStyle: true }),
    glue: new GlueClient(aws),
    dynamodb: new DynamoDBClient({ ...LOCAL_AWS, endpoint: endpoints.dynamodb.endpoint }),
    processors: Object.fromEntries(Object.entries(LOCAL_PROCESSOR_TOPICS).map(([name, topics]) => [name, localProcessorResources(name, topics, options.stateVersionsPath)])),
  });
}

/** A deployed environment, reached with the caller's AWS credentials and region, MSK with IAM auth. */
export function awsTarget(env: string): PipelineTarget {
  const name = environmentName(env);
  const config = validateEnvironmentConfig(name, ENVIRONMENT_CONFIGS[name]);
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined) throw new CliError(`Environment ${name} names no region: set AWS_REGION or 'region' in lib/config/${name}.ts`);
  const clientConfig = { region };
  return buildTarget({
    label: `aws ${name} (${region})`,
    kind: 'aws',
    registryName: `realtime-pipeline-${name}`,
    topicSubjects: Object.fromEntries(Object.entries(config.topics).flatMap(([topic, t]) => (t.subject === undefined ? [] : [[topic, t.subject]]))),
    kafka: mskIamKafka(`realtime-pipeline-${name}`, region),
    sqs: new SQSClient(clientConfig),
    s3: new S3Client(clientConfig),
    glue: new GlueClient(clientConfig),
    dynamodb: new DynamoDBClient(clientConfig),
    processors: Object.fromEntries(Object.entries(config.processors).map(([p, settings]) => [p, deployedProcessorResources(name, p, settings.topics)])),
  });
}

interface TargetParts extends Omit<PipelineTarget, 'processor' | 'queueUrl' | 'close' | 'processorNames'> {
  readonly processors: Readonly<Record<string, ProcessorResources>>;
}

function buildTarget(parts: TargetParts): PipelineTarget {
  const { processors, ...rest } = parts;
  const urls = new Map<string, string>();
  return {
    ...rest,
    processorNames: Object.keys(processors),
    processor(name) {
      const found = processors[name];
      if (found === undefined) throw new CliError(`Unknown processor '${name}' on the ${parts.label}; known: ${Object.keys(processors).join(', ')}`);
      return found;
    },
    async queueUrl(queueName) {
      const cached = urls.get(queueName);
      if (cached !== undefined) return cached;
      try {
        const { QueueUrl: url } = await parts.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
        if (url === undefined) throw new CliError('no QueueUrl in the answer');
        urls.set(queueName, url);
        return url;
      } catch (error) {
        throw new CliError(`Queue ${queueName} was not found on the ${parts.label}: ${(error as Error).message}. Is the pipeline provisioned (local: \`rtp demo\` or the provisioning step; AWS: \`cdk deploy\`)?`);
      }
    },
    close() {
      for (const client of [parts.sqs, parts.s3, parts.glue, parts.dynamodb]) client.destroy();
    },
  };
}
