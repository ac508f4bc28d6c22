import type { WindowEmission } from '../../../functions/core/emit/window-emitter.js';
import { defineProcessor, type ProcessorDefinition } from '../../../functions/core/engine/definition.js';
import { createEngineProcessor } from '../../../functions/core/engine/engine-processor.js';
import { closeDueWindows } from '../../../functions/core/engine/window-closer.js';
import { processKafkaEvent } from '../../../functions/core/handler/process-kafka-event.js';
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { quietObservability, RecordingDeadLetterWriter } from '../../helpers/handler-harness.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { kafkaRecord, mskEvent } from '../../helpers/kafka-events.js';
import { seededRandom } from '../../../scripts/reference/seeded-random.js';
import type { FinalWindow, WindowResults, Workload, WorkloadRecord } from './workload.js';

/**
 * Runs a workload through our engine over the in-memory store, as a Kafka
 * event source mapping would deliver it to one warm Lambda: the records in
 * their global order, cut into batches that each hold a run of one
 * partition's records (so the engine sees records in the order Flink does),
 * the window closer running after every batch, and every window closed at
 * the end, as if the watermark reached infinity.
 */

const TOPIC = 'conformance';
const NOW = 1_800_000_000_000;
const MAX_BATCH = 4;

interface Totals {
  readonly sum: number;
  readonly count: number;
}

export function engineDefinition(workload: Workload): ProcessorDefinition {
  return defineProcessor<WorkloadRecord>({
    name: 'flink-conformance',
    input: { topics: [{ name: TOPIC, partitions: workload.partitions }] },
    eventTime: (v) => v.eventTime,
    watermark: { outOfOrdernessMs: workload.outOfOrdernessMs },
    views: [
      {
        kind: 'window',
        name: 'totals',
        key: (v) => v.key,
        window: workload.window,
        allowedLatenessMs: workload.allowedLatenessMs,
        aggregate: {
          initial: (): Totals => ({ sum: 0, count: 0 }),
          add: (acc: Totals, v: WorkloadRecord): Totals => ({ sum: acc.sum + v.value, count: acc.count + 1 }),
          merge: (a: Totals, b: Totals): Totals => ({ sum: a.sum + b.sum, count: a.count + b.count }),
        },
        emit: (closed) => closed.result,
      },
    ],
  });
}

/** Batches of one partition's consecutive records, 1 to MAX_BATCH long, in the workload's global order. */
function batchesOf(workload: Workload, seed: number): WorkloadRecord[][] {
  const rng = seededRandom(seed);
  const batches: WorkloadRecord[][] = [];
  let current: WorkloadRecord[] = [];
  let limit = 0;
  for (const record of workload.records) {
    if (current.length > 0 && (current[0]?.partition !== record.partition || current.length >= limit)) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) limit = 1 + Math.floor(rng() * MAX_BATCH);
    current.push(record);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export async function runEngine(workload: Workload, seed: number): Promise<WindowResults> {
  const definition = engineDefinition(workload);
  const store = new InMemoryStateStore();
  const emissions: WindowEmission[] = [];
  const emitter = { emit: (batch: readonly WindowEmission[]) => (emissions.push(...batch), Promise.resolve()) };
  const deadLetters = new RecordingDeadLetterWriter();
  const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry() });
  const { logger, metrics } = quietObservability(definition.name);
  // One engine for the whole workload: a warm Lambda, holding the closer lease throughout.
  const engine = createEngineProcessor(definition, { store, now: () => NOW, sleep: () => Promise.resolve(), emitter });

  const offsets = Array.from({ length: workload.partitions }, () => 0);
  const recordAt = new Map<string, WorkloadRecord>();
  for (const batch of batchesOf(workload, seed)) {
    const event: KafkaEventRecord[] = batch.map((record) => {
      const offset = offsets[record.partition] ?? 0;
      offsets[record.partition] = offset + 1;
      recordAt.set(`${record.partition}/${offset}`, record);
      return kafkaRecord({ topic: TOPIC, partition: record.partition, offset, value: Buffer.from(JSON.stringify(record)) });
    });
    const response = await processKafkaEvent(mskEvent(event), { processorName: definition.name, decoder, deadLetters, logger, metrics, ...engine });
    if (response.batchItemFailures.length > 0) throw new Error(`workload ${workload.id}: the engine asked for a retry (${JSON.stringify(response.batchItemFailures)}), which nothing here should cause`);
  }
  // The end of the stream: close until nothing is left, as each close takes a bounded number of keys.
  for (;;) {
    const closed = await closeDueWindows({ definition, store, now: () => NOW, emitter }, { watermark: Number.POSITIVE_INFINITY });
    if (closed.windowsClosed === 0) break;
  }

  const late: string[] = [];
  for (const letter of deadLetters.letters) {
    const record = recordAt.get(`${letter.partition}/${letter.offset}`);
    if (letter.reason !== 'LATE_EVENT' || record === undefined) throw new Error(`workload ${workload.id}: unexpected dead letter ${letter.reason} at ${letter.partition}/${letter.offset}: ${letter.error.message}`);
    late.push(record.id);
  }
  const final = new Map<string, FinalWindow>();
  for (const emission of emissions) {
    const body = JSON.parse(emission.body) as { key: string; windowStart: number; windowEnd: number; payload: Totals };
    final.set(`${body.key}\u0000${body.windowStart}\u0000${body.windowEnd}`, { key: body.key, start: body.windowStart, end: body.windowEnd, sum: body.payload.sum, count: body.payload.count });
  }
  return { windows: [...final.values()], late };
}
