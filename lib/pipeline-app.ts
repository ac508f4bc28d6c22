import type { App} from 'aws-cdk-lib';
import { Tags } from 'aws-cdk-lib';
import { environmentName } from './config/environments.js';
import { SchemasStack } from './stacks/schemas-stack.js';
import type { Subject } from '../functions/core/serde/subject-catalog.js';

/** Builds the stacks of the environment named by `-c env=<name>` (default dev). */
export function buildPipelineApp(app: App, subjects: readonly Subject[]): App {
  const env = environmentName(app.node.tryGetContext('env'));
  const schemas = new SchemasStack(app, `realtime-pipeline-${env}-schemas`, {
    environmentName: env,
    subjects,
    description: `realtime-pipeline (${env}): Glue Schema Registry and topic schemas`,
  });
  Tags.of(schemas).add('project', 'realtime-pipeline');
  Tags.of(schemas).add('environment', env);
  return app;
}
