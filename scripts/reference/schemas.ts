import { join } from 'node:path';
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { GlueSchemaRegistryClient } from '../../functions/core/serde/glue-schema-registry-client.js';
import { loadSubjects, type Subject } from '../../functions/core/serde/subject-catalog.js';
import { LOCAL_AWS } from '../devstack/moto.js';
import { ROOT } from '../devstack/paths.js';
import { ReferencePipelineError } from './errors.js';

/**
 * Puts the subjects of schemas/ into a Glue Schema Registry (moto's locally):
 * one Glue schema per subject, with its compatibility mode, and every
 * version of it in order. Safe to run again on a registry that has them.
 */

/** subject → version number → Glue schema version id. */
export type RegisteredSubjects = Map<string, Map<number, string>>;

export interface RegisterSubjectsOptions {
  readonly motoEndpoint: string;
  readonly registryName: string;
  /** @default the repository's schemas/ */
  readonly schemasDir?: string;
  readonly onProgress?: (line: string) => void;
}

export const SchemaProvisionErrorReason = {
  /** Glue answered CreateRegistry or CreateSchema with an error other than "already exists". */
  CREATE_FAILED: 'CREATE_FAILED',
  /** Glue returned no schema version id for a version it created or matched. */
  NO_VERSION_ID: 'NO_VERSION_ID',
  /** Glue numbered a version differently from its file: the schema holds versions schemas/ does not. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
} as const;
export type SchemaProvisionErrorReason = (typeof SchemaProvisionErrorReason)[keyof typeof SchemaProvisionErrorReason];

export class SchemaProvisionError extends ReferencePipelineError {
  public override readonly name = 'SchemaProvisionError';
  public constructor(
    message: string,
    public readonly reason: SchemaProvisionErrorReason,
    public readonly subject: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_SCHEMAS_DIR = join(ROOT, 'schemas');

export async function registerSubjects(options: RegisterSubjectsOptions): Promise<RegisteredSubjects> {
  const subjects = await loadSubjects(options.schemasDir ?? DEFAULT_SCHEMAS_DIR);
  const glue = new GlueClient({ endpoint: options.motoEndpoint, ...LOCAL_AWS });
  try {
    await createIfAbsent(() => glue.send(new CreateRegistryCommand({ RegistryName: options.registryName })), `registry ${options.registryName}`, undefined);
    const registry = new GlueSchemaRegistryClient({ glue, registryName: options.registryName });
    const registered: RegisteredSubjects = new Map();
    // One subject at a time: versions must be registered in order, and there are few.
    for (const subject of subjects) {
      registered.set(subject.name, await registerSubject(glue, registry, options.registryName, subject));
      options.onProgress?.(`schemas: ${subject.name} v1..v${subject.versions.length} in registry ${options.registryName}`);
    }
    return registered;
  } finally {
    glue.destroy();
  }
}

async function registerSubject(glue: GlueClient, registry: GlueSchemaRegistryClient, registryName: string, subject: Subject): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  const [first, ...later] = subject.versions;
  if (first === undefined) return ids; // loadSubject refuses a subject without v1
  // CreateSchema creates the schema with its first version; when the schema
  // exists, RegisterSchemaVersion of v1's definition returns the existing
  // version instead (moto, like Glue, matches the definition), so every
  // version goes through the same path on a second run.
  const created = await createIfAbsent(
    () =>
      glue.send(
        new CreateSchemaCommand({
          RegistryId: { RegistryName: registryName },
          SchemaName: subject.name,
          DataFormat: 'AVRO',
          Compatibility: subject.compatibility,
          SchemaDefinition: first.definition,
          Description: subject.description,
        }),
      ),
    `schema ${subject.name}`,
    subject.name,
  );
  const toRegister = created === undefined ? subject.versions : later;
  if (created !== undefined) {
    if (created.SchemaVersionId === undefined) {
      throw new SchemaProvisionError(`Glue created schema ${subject.name} but returned no id for its first version`, SchemaProvisionErrorReason.NO_VERSION_ID, subject.name);
    }
    ids.set(first.version, created.SchemaVersionId);
  }
  for (const version of toRegister) {
    const answer = await registry.registerSchemaVersion(subject.name, version.definition);
    if (answer.versionNumber !== version.version) {
      throw new SchemaProvisionError(
        `${version.file} became version ${answer.versionNumber} of ${subject.name} in the registry, not ${version.version}: the registry holds versions schemas/ does not`,
        SchemaProvisionErrorReason.VERSION_MISMATCH,
        subject.name,
      );
    }
    ids.set(version.version, answer.schemaVersionId);
  }
  return ids;
}

/** The create call's answer, or undefined when Glue says the entity already exists. */
async function createIfAbsent<T>(create: () => Promise<T>, what: string, subject: string | undefined): Promise<T | undefined> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof Error && error.name === 'AlreadyExistsException') return undefined;
    const message = error instanceof Error ? error.message : String(error);
    throw new SchemaProvisionError(`Could not create ${what} in the Glue Schema Registry: ${message}`, SchemaProvisionErrorReason.CREATE_FAILED, subject, { cause: error });
  }
}
