// One DynamoDB Local for the whole integration run: starting it costs seconds
// (the first run also downloads it), tables per test keep the tests apart.
// ElasticMQ is only fetched here; tests and stacks start their own.
import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../../scripts/devstack/dynamodb-local.js';
import { ensureElasticMqInstalled } from '../../scripts/devstack/elasticmq.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { listPlacements } from '../../scripts/devstack/postgres-placement.js';

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
  const onProgress = (line: string): void => void process.stderr.write(`${line}\n`);
  const dynamoDb = await startDynamoDbLocal({ onProgress });
  // Fetched here, before any test file runs, rather than by whichever test
  // starts it first: the first fetch must not eat a test's timeout.
  await ensureElasticMqInstalled({ onProgress }).catch(async (error: unknown) => {
    await dynamoDb.stop();
    throw error;
  });
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
  return async () => {
    await dynamoDb.stop();
    await refuseLeftPlacements();
  };
}

/**
 * The suite's own Postgres data must not outlive it: a test that deletes its
 * state folder but not the Postgres data placed outside it (as root, from a
 * clone the postgres account cannot reach) would leave a folder in /var/tmp
 * on every run. The developer's own stack data is theirs to keep.
 */
async function refuseLeftPlacements(): Promise<void> {
  const ownStack = join(RTP, 'postgres', 'data');
  const left = (await listPlacements()).filter(({ owner }) => owner.startsWith(RTP) && owner !== ownStack).map(({ dir, owner }) => `${dir} (${owner})`);
  if (left.length === 0) return;
  // vitest reports an error thrown here but still exits 0, so the run is failed explicitly.
  process.stderr.write(`Tests left Postgres data outside the clone: ${left.join(', ')}\n`);
  process.exitCode = 1;
}
