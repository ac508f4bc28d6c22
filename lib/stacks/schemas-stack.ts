import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentName } from '../config/environments.js';
import type { Subject } from '../../functions/core/serde/subject-catalog.js';
import { GlueSchemas } from '../constructs/glue-schemas.js';

export interface SchemasStackProps extends StackProps {
  readonly environmentName: EnvironmentName;
  readonly subjects: readonly Subject[];
}

/** The Glue Schema Registry that governs every topic of one environment. */
export class SchemasStack extends Stack {
  public readonly schemas: GlueSchemas;

  public constructor(scope: Construct, id: string, props: SchemasStackProps) {
    super(scope, id, props);
    this.schemas = new GlueSchemas(this, 'Schemas', {
      registryName: `realtime-pipeline-${props.environmentName}`,
      subjects: props.subjects,
    });
  }
}
