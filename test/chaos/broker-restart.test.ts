// The Kafka broker stopped and started again on the same data while
// producers write and the processor reads. The processor's offset commits
// fail while the broker is down, so batches it already applied to DynamoDB
// are delivered again once the group is back; a producer whose send fails
// sends again, so some orders reach the topic twice at different offsets.
// The offset fence must absorb the redeliveries and the event-id dedup the
// repeats.
import { afterAll, describe, inject, it } from 'vitest';
import { seededRandom } from '../../scripts/reference/seeded-random.js';
import { ChaosPipeline } from './harness/chaos-pipeline.js';
import { orderMessage, OrdersLedger, planOrders, withProducerRetries } from './harness/orders-ledger.js';
import { ScenarioLog, sized } from './harness/scenario.js';
import { judge } from './harness/verdict.js';

const SEED = Number(process.env.RTP_CHAOS_SEED ?? Date.now() % 1_000_000);
const ORDERS = sized({ subset: 600, full: 3_000 });
const RESTARTS = sized({ subset: 1, full: 3 });
const SLICES = 10;

let pipeline: ChaosPipeline | undefined;
afterAll(async () => pipeline?.stop(), 120_000);

describe('chaos: broker restart', () => {
  it('counts every order once across broker restarts mid-stream', async () => {
    // Prepare
    const log = new ScenarioLog('broker-restart', SEED);
    const rng = seededRandom(SEED);
    pipeline = await ChaosPipeline.start({
      scenario: 'broker-restart',
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      log: (line) => log.line(line),
      processorEnv: { RTP_ESM_BATCH_SIZE: '50', RTP_ESM_MAXIMUM_BATCHING_WINDOW_MS: '100' },
    });
    const p = pipeline;
    const ledger = new OrdersLedger();
    const { steps: orders, repeats } = withProducerRetries(planOrders(ORDERS, { seed: SEED, startAt: Date.now() - 3_600_000 }), rng);
    log.inject(`${repeats} orders sent a second time a little later (a producer retrying): each copy must be dropped by event id`, repeats);
    await p.startProcessor();
    const restartAfter = new Set<number>();
    while (restartAfter.size < RESTARTS) restartAfter.add(1 + Math.floor(rng() * (SLICES - 2)));

    // Act: a slice at a time; after some slices, restart the broker while the processor is mid-batch
    for (let slice = 0; slice < SLICES; slice += 1) {
      const part = orders.slice(Math.floor((slice * orders.length) / SLICES), Math.floor(((slice + 1) * orders.length) / SLICES));
      const messages = part.map((step) => orderMessage(step, p.provisioned.schemaIds));
      const resends = await p.produce(messages);
      ledger.addOrders(part, messages);
      if (resends > 0) log.line(`producer sent slice ${slice + 1} again ${resends} time(s); repeats are deduplicated by event id`);
      if (restartAfter.has(slice)) {
        const delay = Math.floor(rng() * 800);
        await new Promise((resolve) => setTimeout(resolve, delay));
        const processed = p.invocations.filter((i) => i.result === 'SUCCESS').reduce((n, i) => n + i.records, 0);
        log.inject(`Kafka broker stopped and restarted ${delay} ms after slice ${slice + 1} of ${SLICES} was written (${processed} records processed so far)`, 1);
        await p.restartKafka();
      }
    }
    await p.drain();

    // Assess
    const failed = p.invocations.filter((i) => i.result !== 'SUCCESS').length;
    log.line(`${p.invocations.length} invocations (${failed} not successful), ${p.restarts} processor restarts`);
    log.conclude(await judge(p, ledger));
  }, 600_000);
});
