import type { GetSchemaVersionCommandOutput, GlueClient, SchemaVersionNumber } from '@aws-sdk/client-glue';
import { clientOf, type ClientSource } from '../aws/client-source.js';
import { avroSchemaKey } from './avro-schema.js';
import { SchemaNotFoundError, SchemaRegistrationError, SchemaRegistrationErrorReason, SchemaRegistryUnavailableError } from './errors.js';
import { isConfluentSchemaId, isGlueSchemaVersionId, type SchemaRegistry } from './schema-registry.js';

export interface GlueSchemaRegistryClientProps {
  /**
   * Configured with the region and retry policy to use; this class adds no
   * retries of its own. A factory is called on the first request (see ClientSource).
   */
  readonly glue: ClientSource<GlueClient>;
  /** The Glue registry holding the schemas (subjects) this client finds and registers. */
  readonly registryName: string;
}

export interface FoundSchemaVersion {
  readonly schemaVersionId: string;
  /** Absent: GetSchemaByDefinition does not return the version number. */
  readonly versionNumber?: number;
}

export interface RegisteredSchemaVersion {
  readonly schemaVersionId: string;
  readonly versionNumber: number;
  /** Glue's status: AVAILABLE, or PENDING while Glue still checks compatibility. */
  readonly status: string;
}

// Imported with the first request, not with this module: in a bundle a static
// import of the SDK loads it at cold start (ClientSource).
const glueSdk = () => import('@aws-sdk/client-glue');

const AVRO = 'AVRO';
// Glue statuses of a version that exists but must not be used.
const UNUSABLE_STATUSES: ReadonlySet<string> = new Set(['FAILURE', 'DELETING']);

/** The AWS Glue Schema Registry. */
export class GlueSchemaRegistryClient implements SchemaRegistry {
  private readonly glue: () => Promise<GlueClient>;
  private readonly registryName: string;

  public constructor(props: GlueSchemaRegistryClientProps) {
    this.glue = clientOf(props.glue);
    this.registryName = props.registryName;
  }

  public async getSchemaDefinition(schemaVersionId: string): Promise<string> {
    if (!isGlueSchemaVersionId(schemaVersionId)) {
      const what = isConfluentSchemaId(schemaVersionId)
        ? `Confluent schema id ${schemaVersionId}: the Glue Schema Registry cannot resolve Confluent ids`
        : `schema version id ${JSON.stringify(schemaVersionId)}: not a Glue schema version id (a UUID)`;
      throw new SchemaNotFoundError(`Cannot look up ${what}`, { schemaVersionId });
    }

    let response;
    try {
      const [glue, { GetSchemaVersionCommand }] = await Promise.all([this.glue(), glueSdk()]);
      response = await glue.send(new GetSchemaVersionCommand({ SchemaVersionId: schemaVersionId.toLowerCase() }));
    } catch (error) {
      // The id is already known to be well formed, so Glue refusing it as
      // invalid input is about this id, like "not found"; retrying the batch
      // would only block the partition.
      if (hasName(error, 'EntityNotFoundException') || hasName(error, 'InvalidInputException')) {
        throw new SchemaNotFoundError(
          `Schema version ${schemaVersionId} is not in the Glue Schema Registry: ${messageOf(error)}`,
          { schemaVersionId, cause: error },
        );
      }
      throw new SchemaRegistryUnavailableError(
        `Could not read schema version ${schemaVersionId} from the Glue Schema Registry: ${messageOf(error)}`,
        schemaVersionId,
        { cause: error },
      );
    }

    if (response.DataFormat !== AVRO) {
      throw new SchemaNotFoundError(
        `Schema version ${schemaVersionId} has data format ${response.DataFormat ?? '(none)'}, not AVRO`,
        { schemaVersionId },
      );
    }
    if (response.SchemaDefinition === undefined) {
      throw new SchemaNotFoundError(`Glue returned no definition for schema version ${schemaVersionId}`, {
        schemaVersionId,
      });
    }
    return response.SchemaDefinition;
  }

  /**
   * The version of `subject` that holds `definition`, or undefined if there
   * is none, or only one Glue rejected or is deleting. Glue answers
   * GetSchemaByDefinition on its own normalization of the text, and local
   * counterparts on the exact text, while another client may have
   * registered the same schema printed its own way (AWS's Java serializer
   * registers the schema as Avro Java prints it, `Schema.toString()`). So a miss is followed by reading the
   * versions newest first and comparing them as Avro schemas, whitespace,
   * key order and how names are qualified aside (`avroSchemaKey`).
   */
  public async findSchemaVersion(subject: string, definition: string): Promise<FoundSchemaVersion | undefined> {
    return (await this.versionByExactDefinition(subject, definition)) ?? this.versionBySchema(subject, definition);
  }

  private async versionByExactDefinition(subject: string, definition: string): Promise<FoundSchemaVersion | undefined> {
    let response;
    try {
      const [glue, { GetSchemaByDefinitionCommand }] = await Promise.all([this.glue(), glueSdk()]);
      response = await glue.send(
        new GetSchemaByDefinitionCommand({
          SchemaId: { RegistryName: this.registryName, SchemaName: subject },
          SchemaDefinition: definition,
        }),
      );
    } catch (error) {
      // Glue answers "not found" both for an unknown definition and an unknown schema.
      if (hasName(error, 'EntityNotFoundException')) {
        return undefined;
      }
      throw this.registrationError('look up a version of', subject, error);
    }
    if (response.SchemaVersionId === undefined || UNUSABLE_STATUSES.has(response.Status ?? '')) {
      return undefined;
    }
    return { schemaVersionId: response.SchemaVersionId };
  }

  /**
   * Reads versions by number, newest first (ListSchemaVersions would do,
   * but the local counterpart does not implement it), until one is the same
   * Avro schema as `definition`.
   */
  private async versionBySchema(subject: string, definition: string): Promise<FoundSchemaVersion | undefined> {
    // A definition that is not Avro matches no version: no need to read them.
    const wanted = avroSchemaKey(definition);
    if (wanted === undefined) return undefined;
    const latest = await this.versionByNumber(subject, { LatestVersion: true });
    if (latest === undefined) return undefined;
    for (let number = latest.VersionNumber ?? 0; number >= 1; number -= 1) {
      const version = number === latest.VersionNumber ? latest : await this.versionByNumber(subject, { VersionNumber: number });
      if (version?.SchemaVersionId === undefined || version.SchemaDefinition === undefined || UNUSABLE_STATUSES.has(version.Status ?? '')) continue;
      if (avroSchemaKey(version.SchemaDefinition) === wanted) return { schemaVersionId: version.SchemaVersionId, versionNumber: number };
    }
    return undefined;
  }

  private async versionByNumber(subject: string, which: SchemaVersionNumber): Promise<GetSchemaVersionCommandOutput | undefined> {
    try {
      const [glue, { GetSchemaVersionCommand }] = await Promise.all([this.glue(), glueSdk()]);
      return await glue.send(new GetSchemaVersionCommand({ SchemaId: { RegistryName: this.registryName, SchemaName: subject }, SchemaVersionNumber: which }));
    } catch (error) {
      if (hasName(error, 'EntityNotFoundException')) return undefined;
      throw this.registrationError('look up a version of', subject, error);
    }
  }

  /**
   * Registers `definition` as a new version of `subject` (an existing schema in
   * the registry). Glue answers with the existing version when the definition
   * is already registered.
   */
  public async registerSchemaVersion(subject: string, definition: string): Promise<RegisteredSchemaVersion> {
    let response;
    try {
      const [glue, { RegisterSchemaVersionCommand }] = await Promise.all([this.glue(), glueSdk()]);
      response = await glue.send(
        new RegisterSchemaVersionCommand({
          SchemaId: { RegistryName: this.registryName, SchemaName: subject },
          SchemaDefinition: definition,
        }),
      );
    } catch (error) {
      throw this.registrationError('register a version of', subject, error);
    }

    const { SchemaVersionId: schemaVersionId, Status: status } = response;
    if (schemaVersionId === undefined || status === undefined) {
      throw new SchemaRegistrationError(
        `Glue returned no schema version id or status when registering a version of ${this.describe(subject)}`,
        { reason: SchemaRegistrationErrorReason.UNAVAILABLE, subject },
      );
    }
    if (status === 'FAILURE') {
      throw new SchemaRegistrationError(
        `Glue rejected the new version ${schemaVersionId} of ${this.describe(subject)} (status FAILURE); ` +
          'most likely it breaks the compatibility mode of the schema',
        { reason: SchemaRegistrationErrorReason.REJECTED, subject, schemaVersionId },
      );
    }
    const versionNumber = response.VersionNumber ?? (await this.versionNumberOf(subject, schemaVersionId));
    return { schemaVersionId, versionNumber, status };
  }

  // The SDK documents RegisterSchemaVersion's VersionNumber as not always
  // returned, while callers need it, so it is read back from the version.
  private async versionNumberOf(subject: string, schemaVersionId: string): Promise<number> {
    let versionNumber;
    try {
      const [glue, { GetSchemaVersionCommand }] = await Promise.all([this.glue(), glueSdk()]);
      const response = await glue.send(new GetSchemaVersionCommand({ SchemaVersionId: schemaVersionId }));
      versionNumber = response.VersionNumber;
    } catch (error) {
      throw this.registrationError('read back the new version of', subject, error);
    }
    if (versionNumber === undefined) {
      throw new SchemaRegistrationError(
        `Glue returned no version number for the new version ${schemaVersionId} of ${this.describe(subject)}`,
        { reason: SchemaRegistrationErrorReason.UNAVAILABLE, subject, schemaVersionId },
      );
    }
    return versionNumber;
  }

  private registrationError(action: string, subject: string, error: unknown): SchemaRegistrationError {
    const reason = hasName(error, 'InvalidInputException')
      ? SchemaRegistrationErrorReason.INVALID_SCHEMA
      : hasName(error, 'EntityNotFoundException')
        ? SchemaRegistrationErrorReason.SCHEMA_NOT_FOUND
        : hasName(error, 'ResourceNumberLimitExceededException')
          ? SchemaRegistrationErrorReason.LIMIT_EXCEEDED
          : SchemaRegistrationErrorReason.UNAVAILABLE;
    return new SchemaRegistrationError(`Could not ${action} ${this.describe(subject)}: ${messageOf(error)}`, {
      reason,
      subject,
      cause: error,
    });
  }

  private describe(subject: string): string {
    return `schema ${subject} in registry ${this.registryName}`;
  }
}

// By name rather than instanceof: errors the SDK has no class for (such as
// ThrottlingException from some endpoints) still carry the service's name.
function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
