import type { GlueClient } from '@aws-sdk/client-glue';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import { CliError } from '../cli-error.js';

/**
 * The Glue schema version id under which `definition` (version `version` of
 * `subject` in schemas/) is registered: records must carry the id consumers
 * will resolve, so an unregistered version is an error, not something the
 * load generator registers behind the user's back.
 */
export async function registeredVersionId(glue: GlueClient, registryName: string, subject: string, version: number, definition: string, where: string): Promise<string> {
  const registry = new GlueSchemaRegistryClient({ glue, registryName });
  let found;
  try {
    // "Not found" (no such registry, schema or definition) is an answer here, not an error.
    found = await registry.findSchemaVersion(subject, definition);
  } catch (error) {
    throw new CliError(`The Glue Schema Registry on the ${where} could not be asked for ${subject} v${version}: ${(error as Error).message}. Check credentials and region (AWS), or that the local stack is up`);
  }
  if (found === undefined) {
    throw new CliError(`${subject} v${version} (schemas/${subject}/v${version}.avsc) is not registered in registry ${registryName} on the ${where}: run \`rtp schema register\` first`);
  }
  return found.schemaVersionId;
}
