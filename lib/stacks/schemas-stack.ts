import { Stack, type RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentName } from '../config/environments.js';
import type { Subject } from '../../functions/core/serde/subject-catalog.js';
import { GlueSchemas } from '../constructs/glue-schemas.js';

export interface SchemasStackProps extends StackProps {
  readonly environmentName: EnvironmentName;
  readonly subjects: readonly Subject[];
  /**
   * What deleting the stack does to the registry, schemas and versions
   * (`config.removalPolicy`).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The Glue Schema Registry that governs every topic of one environment. */
export class SchemasStack extends Stack {
  public readonly schemas: GlueSchemas;

  public constructor(scope: Construct, id: string, props: SchemasStackProps) {
    super(scope, id, props);
    this.schemas = new GlueSchemas(this, 'Schemas', {
      registryName: `realtime-pipeline-${props.environmentName}`,
      subjects: props.subjects,
      removalPolicy: props.removalPolicy,
    });
  }
}
