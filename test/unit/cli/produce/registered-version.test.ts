import { GetSchemaByDefinitionCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../../scripts/cli/cli-error.js';
import { registeredVersionId } from '../../../../scripts/cli/produce/registered-version.js';
import { caught } from '../../../helpers/caught.js';

const glueMock = mockClient(GlueClient);
const ID = '7d1c3b8e-0f4a-4c59-9f2e-3a1b5c6d7e03';

function serviceError(name: string): Error {
  return Object.assign(new Error(`${name} from Glue`), { name });
}

afterEach(() => glueMock.reset());

describe('registeredVersionId', () => {
  it('returns the id Glue has for the definition, asking the target registry for the subject', async () => {
    glueMock.on(GetSchemaByDefinitionCommand).resolves({ SchemaVersionId: ID, Status: 'AVAILABLE' });
    const id = await registeredVersionId(new GlueClient({}), 'reg', 'orders', 3, '{"type":"string"}', 'local stack');
    expect(id).toBe(ID);
    expect(glueMock.commandCalls(GetSchemaByDefinitionCommand)[0]?.args[0].input).toEqual({ SchemaId: { RegistryName: 'reg', SchemaName: 'orders' }, SchemaDefinition: '{"type":"string"}' });
  });

  it('throws a CliError saying to run rtp schema register when the version is not registered', async () => {
    glueMock.on(GetSchemaByDefinitionCommand).rejects(serviceError('EntityNotFoundException'));
    const error = await caught(registeredVersionId(new GlueClient({}), 'reg', 'orders', 4, '{}', 'local stack'));
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/orders v4 .* is not registered in registry reg on the local stack: run `rtp schema register`/);
  });

  it('throws a CliError about credentials when Glue cannot be asked', async () => {
    glueMock.on(GetSchemaByDefinitionCommand).rejects(serviceError('AccessDeniedException'));
    const error = await caught(registeredVersionId(new GlueClient({}), 'reg', 'orders', 3, '{}', 'aws dev (eu-west-1)'));
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toMatch(/could not be asked .* Check credentials and region/);
  });
});
