import { GetRegistryCommand, GetSchemaCommand, GetSchemaVersionCommand, type GlueClient } from '@aws-sdk/client-glue';
import { isCompatibilityMode, type CompatibilityMode } from '../../../functions/core/serde/compatibility.js';
import { CliError } from '../cli-error.js';

/**
 * A subject as the Glue Schema Registry holds it. Versions are read one by
 * one with GetSchemaVersion by number, from 1 to the schema's latest:
 * ListSchemaVersions returns no definitions, so it would save no call, and
 * moto (the local stack) does not implement it.
 */
export interface RegistrySubject {
  readonly name: string;
  readonly compatibility: CompatibilityMode;
  /** The versions that count, oldest first: AVAILABLE, or PENDING while Glue still checks them. */
  readonly versions: readonly RegistryVersion[];
  /** Versions Glue refused (FAILURE) or is deleting: not part of the chain. */
  readonly unusable: readonly RegistryVersion[];
}

export interface RegistryVersion {
  /** Glue's number; it can run ahead of the file's when Glue refused a version in between. */
  readonly registryVersion: number;
  readonly schemaVersionId: string;
  readonly status: string;
  readonly definition: string;
}

export interface RegistryRef {
  readonly glue: GlueClient;
  readonly registryName: string;
  /** For messages: 'local stack', 'aws dev (eu-west-1)'. */
  readonly label: string;
}

const COUNTED_STATUSES: ReadonlySet<string> = new Set(['AVAILABLE', 'PENDING']);

/** Fails with what to do when the registry does not exist on the target. */
export async function assertRegistryExists(registry: RegistryRef): Promise<void> {
  try {
    await registry.glue.send(new GetRegistryCommand({ RegistryId: { RegistryName: registry.registryName } }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new CliError(
        `The ${registry.label} has no Glue registry ${registry.registryName}: provision it first (local: \`rtp demo\` or the pipeline provisioning; AWS: \`cdk deploy -c env=<env>\` of the schemas stack)`,
      );
    }
    throw unreachable(registry, 'read registry', error);
  }
}

/** The subject in the registry, or undefined when the registry has no schema of that name. */
export async function readRegistrySubject(registry: RegistryRef, name: string): Promise<RegistrySubject | undefined> {
  const schemaId = { RegistryName: registry.registryName, SchemaName: name };
  let schema;
  try {
    schema = await registry.glue.send(new GetSchemaCommand({ SchemaId: schemaId }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw unreachable(registry, `read schema ${name} of`, error);
  }
  const compatibility: string = schema.Compatibility ?? 'NONE';
  if (!isCompatibilityMode(compatibility)) throw new CliError(`Schema ${name} in registry ${registry.registryName} has compatibility '${compatibility}', which this tool does not know`);

  const versions: RegistryVersion[] = [];
  const unusable: RegistryVersion[] = [];
  const latest = schema.LatestSchemaVersion ?? 0;
  for (let number = 1; number <= latest; number += 1) {
    let answer;
    try {
      answer = await registry.glue.send(new GetSchemaVersionCommand({ SchemaId: schemaId, SchemaVersionNumber: { VersionNumber: number } }));
    } catch (error) {
      if (isNotFound(error)) continue; // deleted: a gap in Glue's numbering
      throw unreachable(registry, `read version ${number} of schema ${name} in`, error);
    }
    const version: RegistryVersion = {
      registryVersion: answer.VersionNumber ?? number,
      schemaVersionId: answer.SchemaVersionId ?? '',
      status: answer.Status ?? 'AVAILABLE',
      definition: answer.SchemaDefinition ?? '',
    };
    (COUNTED_STATUSES.has(version.status) ? versions : unusable).push(version);
  }
  return { name, compatibility, versions, unusable };
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'EntityNotFoundException';
}

function unreachable(registry: RegistryRef, action: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`Could not ${action} registry ${registry.registryName} on the ${registry.label}: ${message}. Check the credentials, region and network (local: is the stack up? \`rtp local status\`)`);
}
