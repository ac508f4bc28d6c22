// One DynamoDB Local for the whole integration run: starting it costs seconds
// (the first run also downloads it), tables per test keep the tests apart.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the DynamoDB Local this run started. */
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The health check's SDK client runs in vitest's main process, which the
  // project's `env` (QUIET_SDK in vitest.config.ts) does not reach.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamoDb = await startDynamoDbLocal({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
  return () => dynamoDb.stop();
}
