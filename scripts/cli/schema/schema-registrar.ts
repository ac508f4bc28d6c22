import { CreateSchemaCommand, GetSchemaVersionCommand } from '@aws-sdk/client-glue';
import { SchemaRegistrationError } from '../../../functions/core/serde/errors.js';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import type { Subject } from '../../../functions/core/serde/subject-catalog.js';
import { CliError } from '../cli-error.js';
import type { SubjectComparison } from './published-comparison.js';
import type { RegistryRef, RegistrySubject } from './registry-schemas.js';

/**
 * Registers what schemas/ has and the registry does not, after the check
 * passed: CreateSchema (with subject.json's mode) for a new subject,
 * RegisterSchemaVersion for each new version, in order, each once Glue has
 * made the one before AVAILABLE (Glue checks a version against the ones
 * before it, so a PENDING predecessor must settle first).
 */

export interface RegisteredVersion {
  readonly subject: string;
  /** The file's number, v<N>.avsc. */
  readonly version: number;
  /** Glue's number; absent on a dry run. */
  readonly registryVersion?: number;
  readonly schemaVersionId?: string;
  /** True when this version created the schema (its first version). */
  readonly createdSchema: boolean;
}

export interface RegisterOptions {
  readonly dryRun?: boolean;
  /** How long to wait for Glue to settle a PENDING version. @default 60 000 ms */
  readonly settleTimeoutMs?: number;
  readonly onRegistered?: (version: RegisteredVersion) => void;
}

const POLL_MS = 500;

export async function registerNewVersions(
  registry: RegistryRef,
  subjects: readonly Subject[],
  comparisons: readonly SubjectComparison[],
  registrySubjects: ReadonlyMap<string, RegistrySubject>,
  options: RegisterOptions = {},
): Promise<RegisteredVersion[]> {
  const client = new GlueSchemaRegistryClient({ glue: registry.glue, registryName: registry.registryName });
  const registered: RegisteredVersion[] = [];
  for (const comparison of comparisons) {
    const subject = subjects.find((s) => s.name === comparison.subject);
    if (subject === undefined || comparison.newVersions.length === 0) continue;
    const inRegistry = registrySubjects.get(subject.name);
    let latestRegistryVersion = Math.max(0, ...[...(inRegistry?.versions ?? []), ...(inRegistry?.unusable ?? [])].map((v) => v.registryVersion));
    for (const number of comparison.newVersions) {
      const file = subject.versions[number - 1];
      if (file === undefined) continue;
      const createsSchema = inRegistry === undefined && number === 1;
      if (options.dryRun === true) {
        const planned = { subject: subject.name, version: number, createdSchema: createsSchema };
        registered.push(planned);
        options.onRegistered?.(planned);
        continue;
      }
      const answer = createsSchema ? await createSchema(registry, subject, file.definition) : await registerVersion(client, registry, subject.name, number, file.definition);
      if (!createsSchema && answer.versionNumber <= latestRegistryVersion) {
        // Glue answers a definition it already has with that version instead of adding one.
        throw new CliError(
          `v${number} of ${subject.name} has the same definition as registry version ${answer.versionNumber}; Glue does not register a definition twice. Make v${number}.avsc a real change, or remove it`,
        );
      }
      const status = await settle(registry, subject.name, number, answer.schemaVersionId, answer.status, options.settleTimeoutMs ?? 60_000);
      if (status !== 'AVAILABLE') {
        throw new CliError(
          `Glue set v${number} of ${subject.name} (registry version ${answer.versionNumber}) to ${status}: Glue judged it against the versions before it under the registry's mode and refused it. ` +
            `Run \`rtp schema check --against registry\` to see the rule and field, and fix v${number}.avsc`,
        );
      }
      latestRegistryVersion = answer.versionNumber;
      const done = { subject: subject.name, version: number, registryVersion: answer.versionNumber, schemaVersionId: answer.schemaVersionId, createdSchema: createsSchema };
      registered.push(done);
      options.onRegistered?.(done);
    }
  }
  return registered;
}

interface VersionAnswer {
  readonly schemaVersionId: string;
  readonly versionNumber: number;
  readonly status: string;
}

async function createSchema(registry: RegistryRef, subject: Subject, definition: string): Promise<VersionAnswer> {
  let answer;
  try {
    answer = await registry.glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: registry.registryName },
        SchemaName: subject.name,
        DataFormat: 'AVRO',
        Compatibility: subject.compatibility,
        SchemaDefinition: definition,
        Description: subject.description,
      }),
    );
  } catch (error) {
    throw new CliError(`Glue refused to create schema ${subject.name} in registry ${registry.registryName}: ${messageOf(error)}`);
  }
  if (answer.SchemaVersionId === undefined) throw new CliError(`Glue created schema ${subject.name} but returned no id for its first version; run \`rtp schema register\` again`);
  return { schemaVersionId: answer.SchemaVersionId, versionNumber: 1, status: answer.SchemaVersionStatus ?? 'PENDING' };
}

async function registerVersion(client: GlueSchemaRegistryClient, registry: RegistryRef, subject: string, number: number, definition: string): Promise<VersionAnswer> {
  try {
    return await client.registerSchemaVersion(subject, definition);
  } catch (error) {
    if (error instanceof SchemaRegistrationError) {
      throw new CliError(`Glue refused v${number} of ${subject} in registry ${registry.registryName} (${error.reason}): ${error.message}`);
    }
    throw error;
  }
}

/** Waits while Glue checks the version; returns its final status. */
async function settle(registry: RegistryRef, subject: string, number: number, schemaVersionId: string, status: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let current = status;
  while (current === 'PENDING') {
    if (Date.now() > deadline) {
      throw new CliError(`v${number} of ${subject} (${schemaVersionId}) is still PENDING after ${timeoutMs / 1000} s; run \`rtp schema register\` again later to go on`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      const answer = await registry.glue.send(new GetSchemaVersionCommand({ SchemaVersionId: schemaVersionId }));
      current = answer.Status ?? 'PENDING';
    } catch (error) {
      throw new CliError(`Could not read the status of v${number} of ${subject} (${schemaVersionId}): ${messageOf(error)}`);
    }
  }
  return current;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
