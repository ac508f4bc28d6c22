import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStateTable, DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store-client.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { compare } from './harness/compare.js';
import { expectedOutcome } from './harness/oracle.js';
import { recordRuns } from './harness/report.js';
import { scenarioArbitrary } from './harness/scenario.js';
import { simulate } from './harness/simulate.js';

const RUNS = 24;

describe('exactly-once, DynamoDB Local', () => {
  it(`holds over ${RUNS} random streams with the real conditional transactions`, async () => {
    const client = dynamoDbClient();
    let runs = 0;
    let lost = 0;
    let duplicated = 0;
    let crashes = 0;
    let zombies = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary({ maxPartitions: 3, maxRecords: 40 }), fc.integer(), async (scenario, seed) => {
        // Prepare
        const tableName = uniqueTableName('exactly-once');
        await createStateTable(client, tableName);
        const store = new DynamoDbStateStore({ client, tableName });
        const expected = expectedOutcome(scenario);

        // Act
        const result = await simulate(scenario, store, {
          seed,
          crashRate: 0.25,
          zombieRate: 0.15,
          throttleRate: 0.05,
          deadLetterFailureRate: 0.05,
          maxBatch: 12,
        });

        // Assess
        const verdict = compare(expected, result, (await store.scanAll()).map((i) => i.body));
        runs += 1;
        lost += verdict.lost;
        duplicated += verdict.duplicated;
        crashes += result.crashes;
        zombies += result.zombies;
        expect(verdict.problems, `seed ${seed}`).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    recordRuns('dynamodb', { runs, lost, duplicated, crashes, zombies });
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });
});
