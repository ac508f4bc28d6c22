// The processor process SIGKILLed at random points while orders stream in:
// right after DynamoDB applied a commit and before the processor heard of it
// (the state moved, the Kafka offset did not), and at random moments in
// between. Each time the mapping restarts it from the last committed offset,
// so every batch since is delivered again; the offset fence must make the
// second delivery a no-op.
import { afterAll, describe, inject, it } from 'vitest';
import { seededRandom } from '../../scripts/reference/seeded-random.js';
import { ChaosPipeline } from './harness/chaos-pipeline.js';
import { orderMessage, OrdersLedger, planOrders, withProducerRetries } from './harness/orders-ledger.js';
import { ScenarioLog, sized } from './harness/scenario.js';
import { judge } from './harness/verdict.js';

const SEED = Number(process.env.RTP_CHAOS_SEED ?? Date.now() % 1_000_000);
const ORDERS = sized({ subset: 600, full: 3_000 });
// Each kill costs a consumer session timeout (30 s) before the restarted processor gets its partitions.
const KILLS_AFTER_COMMIT = sized({ subset: 1, full: 4 });
const KILLS_AT_RANDOM = sized({ subset: 1, full: 3 });

let pipeline: ChaosPipeline | undefined;
afterAll(async () => pipeline?.stop(), 120_000);

describe('chaos: processor killed', () => {
  it('counts every order once when the processor dies between a commit and its acknowledgement, and anywhere else', async () => {
    // Prepare
    const log = new ScenarioLog('processor-killed', SEED);
    const rng = seededRandom(SEED);
    let commits = 0;
    // Which commits the processor does not live to hear about: spread over the run.
    const killAfter = new Set(Array.from({ length: KILLS_AFTER_COMMIT }, (_, i) => 2 + i * 4 + Math.floor(rng() * 3)));
    pipeline = await ChaosPipeline.start({
      scenario: 'processor-killed',
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => log.line(line),
      // Small batches: many commits, many points to die at.
      processorEnv: { RTP_ESM_BATCH_SIZE: '40', RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '100' },
      afterDynamoDb: async (request, status) => {
        if (request.operation !== 'TransactWriteItems' || status !== 200) return;
        commits += 1;
        if (killAfter.has(commits)) {
          log.inject(`SIGKILL after DynamoDB applied commit ${commits}, before the processor got the answer`, 1);
          await pipeline?.killProcessor();
        }
      },
    });
    const p = pipeline;
    const ledger = new OrdersLedger();
    const { steps: orders, repeats } = withProducerRetries(planOrders(ORDERS, { seed: SEED, startAt: Date.now() - 3_600_000 }), rng);
    log.inject(`${repeats} orders sent a second time a little later (a producer retrying): each copy must be dropped by event id`, repeats);
    await p.startProcessor();

    // Act: orders in slices, the processor restarted whenever it is found dead, random kills between slices
    const slices = 12;
    const randomKillSlices = new Set(Array.from({ length: KILLS_AT_RANDOM }, () => 1 + Math.floor(rng() * (slices - 2))));
    for (let slice = 0; slice < slices; slice += 1) {
      const part = orders.slice(Math.floor((slice * orders.length) / slices), Math.floor(((slice + 1) * orders.length) / slices));
      const messages = part.map((step) => orderMessage(step, p.provisioned.schemaIds));
      await p.produce(messages);
      ledger.addOrders(part, messages);
      if (randomKillSlices.has(slice)) {
        const delay = Math.floor(rng() * 1_500);
        await new Promise((resolve) => setTimeout(resolve, delay));
        log.inject(`SIGKILL at a random moment (${delay} ms after slice ${slice + 1} of ${slices} was written)`, 1);
        await p.killProcessor();
      }
      await p.startProcessor();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await p.drain();

    // Assess
    log.line(`${commits} commits, ${p.restarts} processor restarts, ${p.invocations.length} invocations`);
    log.conclude(await judge(p, ledger));
  }, 600_000);
});
