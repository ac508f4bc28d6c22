import { RemovalPolicies, RemovalPolicy, aws_glue as glue } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Subject } from '../../functions/core/serde/subject-catalog.js';
import { ConstructPropsError } from '../errors.js';

export interface GlueSchemasProps {
  /** The registry's name, unique per account and region. */
  readonly registryName: string;
  /** The subjects from schemas/, each with its versions oldest first. */
  readonly subjects: readonly Subject[];
  /**
   * What deleting the stack (or replacing a resource) does to the registry,
   * its schemas and every version. Records on the topics carry schema
   * version ids; a deleted version makes them undecodable, so only an
   * environment whose topics go with it should destroy them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Glue Schema Registry holding one schema per subject, with its
 * compatibility mode and every version in order. Glue checks each version
 * against the mode as it is registered, so a deploy with an incompatible
 * version fails rather than reaching producers.
 */
export class GlueSchemas extends Construct {
  public readonly registry: glue.CfnRegistry;
  public readonly schemas: ReadonlyMap<string, glue.CfnSchema>;

  public constructor(scope: Construct, id: string, props: GlueSchemasProps) {
    super(scope, id);
    // The registry, every schema and every version alike.
    RemovalPolicies.of(this).apply(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.registry = new glue.CfnRegistry(this, 'Registry', {
      name: props.registryName,
      description: 'realtime-pipeline topic schemas',
    });
    const schemas = new Map<string, glue.CfnSchema>();
    for (const subject of props.subjects) {
      const [first, ...later] = subject.versions;
      if (first === undefined) throw new ConstructPropsError(`GlueSchemas: subject '${subject.name}' has no versions`);
      const schema = new glue.CfnSchema(this, `Schema-${subject.name}`, {
        name: subject.name,
        registry: { arn: this.registry.attrArn },
        dataFormat: 'AVRO',
        compatibility: subject.compatibility,
        schemaDefinition: first.definition,
        description: subject.description,
      });
      // Each version depends on the one before, so Glue sees them in order.
      let previous: glue.CfnSchema | glue.CfnSchemaVersion = schema;
      for (const version of later) {
        const next: glue.CfnSchemaVersion = new glue.CfnSchemaVersion(this, `Schema-${subject.name}-v${version.version}`, {
          schema: { schemaArn: schema.attrArn },
          schemaDefinition: version.definition,
        });
        next.node.addDependency(previous);
        previous = next;
      }
      schemas.set(subject.name, schema);
    }
    this.schemas = schemas;
  }
}
