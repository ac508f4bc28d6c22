import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../lib/config/environments.js';
import { buildPipelineApp } from '../../lib/pipeline-app.js';
import { loadSubjects } from '../../functions/core/serde/subject-catalog.js';

const subjects = await loadSubjects(fileURLToPath(new URL('../../schemas/', import.meta.url)));

function synth(env?: string): Template {
  const app = new App(env === undefined ? {} : { context: { env } });
  buildPipelineApp(app, subjects);
  const stack = app.node.children.find((c) => c.node.id.endsWith('-schemas'));
  return Template.fromStack(stack as never);
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
});
