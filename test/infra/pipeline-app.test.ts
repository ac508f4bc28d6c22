import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_CONFIGS, ENVIRONMENT_NAMES } from '../../lib/config/environments.js';
import type { PipelineConfig } from '../../lib/config/pipeline-config.js';
import { buildPipelineApp } from '../../lib/pipeline-app.js';
import { loadSubjects } from '../../functions/core/serde/subject-catalog.js';

const subjects = await loadSubjects(fileURLToPath(new URL('../../schemas/', import.meta.url)));

function synth(env?: string): Template {
  const app = new App(env === undefined ? {} : { context: { env } });
  return Template.fromStack(buildPipelineApp(app, { subjects }).schemas);
}

describe('pipeline app', () => {
  for (const env of ENVIRONMENT_NAMES) {
    it(`synthesizes ${env} without AWS credentials`, () => {
      synth(env).hasResourceProperties('AWS::Glue::Registry', { Name: `realtime-pipeline-${env}` });
    });
  }

  it('defaults to dev', () => {
    synth().hasResourceProperties('AWS::Glue::Registry', { Name: 'realtime-pipeline-dev' });
  });

  it('fails synth naming the context key for an unknown environment', () => {
    expect(() => synth('qa')).toThrow(/Context key 'env' must be one of dev, staging, prod; got "qa"/);
  });

  it('creates one Avro schema per subject with its declared compatibility and first version', () => {
    const template = synth('dev');
    template.resourceCountIs('AWS::Glue::Schema', 2);
    template.hasResourceProperties('AWS::Glue::Schema', {
      Name: 'orders',
      DataFormat: 'AVRO',
      Compatibility: 'FULL_ALL',
      SchemaDefinition: Match.stringLikeRegexp('"doc": "An order event \\(schema version 1\\)'),
    });
    template.hasResourceProperties('AWS::Glue::Schema', { Name: 'stock-movements', Compatibility: 'BACKWARD' });
  });

  it('registers later versions in order, each after the one before', () => {
    const template = synth('dev');
    const versions = template.findResources('AWS::Glue::SchemaVersion');
    const byDefinition = Object.entries(versions).map(([id, r]) => ({
      id,
      version: /schema version (\d)/.exec(String((r as { Properties: { SchemaDefinition: string } }).Properties.SchemaDefinition))?.[1],
      dependsOn: (r as { DependsOn?: string[] }).DependsOn ?? [],
    }));
    expect(byDefinition.map((v) => v.version).sort()).toEqual(['2', '3']);
    const v2 = byDefinition.find((v) => v.version === '2')!;
    const v3 = byDefinition.find((v) => v.version === '3')!;
    expect(v3.dependsOn).toContain(v2.id);
    expect(v2.dependsOn.some((d) => d.includes('Schemaorders'))).toBe(true);
  });

  it('retains the registry, every schema and every version in staging and prod, and destroys them with dev', () => {
    const types = ['AWS::Glue::Registry', 'AWS::Glue::Schema', 'AWS::Glue::SchemaVersion'];
    for (const [env, policy] of [['staging', 'Retain'], ['prod', 'Retain'], ['dev', 'Delete']] as const) {
      const template = synth(env);
      for (const type of types) {
        const resources = Object.values(template.findResources(type)) as { DeletionPolicy?: string; UpdateReplacePolicy?: string }[];
        expect(resources.length, `${type} in ${env}`).toBeGreaterThan(0);
        for (const r of resources) expect([r.DeletionPolicy, r.UpdateReplacePolicy], `${type} in ${env}`).toEqual([policy, policy]);
      }
    }
  });

  it('builds network, streaming, schemas, cdc, processing and observability stacks, each named after the environment', () => {
    const app = new App({ context: { env: 'staging' } });
    const stacks = buildPipelineApp(app, { subjects });
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual(
      ['cdc', 'network', 'observability', 'processing', 'schemas', 'streaming'].map((part) => `realtime-pipeline-staging-${part}`),
    );
    // The processors wait for their subjects and (through references, resolved at synth) the network and the topics.
    app.synth();
    expect(stacks.processing.dependencies.map((d) => d.stackName).sort()).toEqual(
      ['realtime-pipeline-staging-network', 'realtime-pipeline-staging-schemas', 'realtime-pipeline-staging-streaming'],
    );
  });

  it('fails synth naming the key for an invalid config: a batch size of 0, an unknown CDC engine', () => {
    const dev = ENVIRONMENT_CONFIGS.dev;
    const broken = {
      ...dev,
      cdc: { engine: 'golden-gate' },
      processors: { ...dev.processors, 'order-analytics': { ...dev.processors['order-analytics'], batchSize: 0 } },
    };
    const app = new App({ context: { env: 'dev' } });
    expect(() => buildPipelineApp(app, { subjects, configs: { ...ENVIRONMENT_CONFIGS, dev: broken } })).toThrow(
      /Invalid configuration for environment 'dev'[\s\S]*cdc\.engine: [^\n]*\(got "golden-gate"\)[\s\S]*processors\.order-analytics\.batchSize: must be at least 1 \(got 0\)/,
    );
  });

  it('leaves the cdc stack out when cdc.engine is none', () => {
    const app = new App({ context: { env: 'dev' } });
    const stacks = buildPipelineApp(app, { subjects, configs: { ...ENVIRONMENT_CONFIGS, dev: { ...ENVIRONMENT_CONFIGS.dev, cdc: { engine: 'none' } } } });
    expect(stacks.cdc).toBeUndefined();
    expect(app.node.tryFindChild('realtime-pipeline-dev-cdc')).toBeUndefined();
  });

  it('gives DMS a SASL/SCRAM user on the provisioned cluster, since DMS cannot sign with IAM', () => {
    const prod: PipelineConfig = ENVIRONMENT_CONFIGS.prod;
    const source = (prod.cdc as Extract<PipelineConfig['cdc'], { engine: 'debezium' }>).source;
    const dms: PipelineConfig = { ...prod, cdc: { engine: 'dms', source, tables: ['public.stock_movements'], topic: 'stock-movements', minCapacityUnits: 2, maxCapacityUnits: 8 } };
    const app = new App({ context: { env: 'prod' } });
    const stacks = buildPipelineApp(app, { subjects, configs: { ...ENVIRONMENT_CONFIGS, prod: dms } });

    const streaming = Template.fromStack(stacks.streaming);
    streaming.hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true }, Scram: { Enabled: true } }, Unauthenticated: { Enabled: false } },
    });
    streaming.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'AmazonMSK_realtime-pipeline-prod-dms', KmsKeyId: Match.anyValue() });
    streaming.resourceCountIs('AWS::MSK::BatchScramSecret', 1);
    streaming.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 9096, ToPort: 9096, IpProtocol: 'tcp' });
    Template.fromStack(stacks.cdc!).hasResourceProperties('AWS::DMS::Endpoint', { EngineName: 'kafka', EndpointType: 'target' });
  });
});
