import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { ENVIRONMENT_CONFIGS, type EnvironmentName } from '../../../lib/config/environments.js';
import type { PipelineConfig } from '../../../lib/config/pipeline-config.js';
import { buildPipelineApp, type PipelineStacks } from '../../../lib/pipeline-app.js';
import { loadSubjects } from '../../../functions/core/serde/subject-catalog.js';

export const subjects = await loadSubjects(fileURLToPath(new URL('../../../schemas/', import.meta.url)));

/**
 * One environment's whole app, every stack built but no function bundled:
 * for assertions on what does not depend on the code (log groups, egress,
 * suppressions). `config` replaces the environment's shipped config.
 */
export function buildUnbundledApp(env: EnvironmentName, config?: PipelineConfig): { app: App; stacks: PipelineStacks; all: Stack[] } {
  const app = new App({ context: { env, 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildPipelineApp(app, { subjects, ...(config === undefined ? {} : { configs: { ...ENVIRONMENT_CONFIGS, [env]: config } }) });
  const all = app.node.children.filter((c): c is Stack => Stack.isStack(c));
  return { app, stacks, all };
}

/** Prod with DMS in place of Debezium, on the same source: DMS needs the provisioned cluster's SASL/SCRAM listener. */
export function prodWithDms(): PipelineConfig {
  const prod = ENVIRONMENT_CONFIGS.prod;
  const source = (prod.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>).source;
  return { ...prod, cdc: { engine: 'dms', source, tables: ['public.stock_movements'], topic: 'stock-movements', minCapacityUnits: 2, maxCapacityUnits: 8 } };
}
