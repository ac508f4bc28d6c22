import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DeadLetterWriter } from '../../../functions/core/dlq/dead-letter-writer.js';
import type { DeadLetter } from '../../../functions/core/dlq/envelope.js';
import type { WindowEmission } from '../../../functions/core/emit/window-emitter.js';
import { createEngineProcessor } from '../../../functions/core/engine/engine-processor.js';
import type { CommittedChunk } from '../../../functions/core/engine/partition-executor.js';
import { PartitionStateCache } from '../../../functions/core/engine/partition-state-cache.js';
import { closeDueWindows } from '../../../functions/core/engine/window-closer.js';
import { processKafkaEvent } from '../../../functions/core/handler/process-kafka-event.js';
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import type { ItemWrite, StateStore } from '../../../functions/core/state/state-store.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { kafkaRecord, mskEvent } from '../../helpers/kafka-events.js';
import { ChaosStateStore, InvocationCrashed, random, type Invocation } from './chaos.js';
import { TOPIC, testDefinition, type Scenario } from './scenario.js';

export interface SimulationOptions {
  readonly seed: number;
  /** Chance an invocation dies after a random store call. */
  readonly crashRate: number;
  /** Chance a timed-out invocation keeps running next to its retry. */
  readonly zombieRate: number;
  readonly throttleRate: number;
  readonly deadLetterFailureRate: number;
  readonly maxBatch: number;
}

export interface SimulationResult {
  /** Every `${partition}/${offset}` of the stream: the records in. */
  readonly delivered: readonly string[];
  /** What the engine reported, commit by commit, including a commit the invocation died right after. */
  readonly committed: CommittedChunk[];
  /** Per `${partition}/${offset}`, how many accepted commits moved a checkpoint over it. */
  readonly coverage: Map<string, number>;
  readonly deadLetters: DeadLetter[];
  readonly emissions: WindowEmission[];
  readonly invocations: number;
  readonly crashes: number;
  readonly zombies: number;
  /** Rounds in which two processors of the group ran invocations at once. */
  readonly concurrentRounds: number;
}

const NOW = 1_800_000_000_000;

/**
 * Delivers a scenario the way a Kafka event source mapping does: batches
 * of a few records per partition, positions advanced only by a successful
 * answer (and held at a reported partial failure), everything redelivered
 * after a failed or timed-out invocation, which may still be running, and
 * in half the rounds two processors of one consumer group invoked at once
 * on the partitions each holds. At the end every window is closed, as if
 * the watermark reached infinity.
 *
 * Invocations run in one of two warm processes, picked at random, so a
 * partition's cached state goes stale whenever it moves to the other one
 * and back; a zombie and its retry may share a process. One process
 * remembers only two items per partition, so its cache also forgets.
 */
export async function simulate(scenario: Scenario, store: StateStore, options: SimulationOptions): Promise<SimulationResult> {
  const rng = random(options.seed);
  const definition = testDefinition(scenario.partitions.length);
  const records = scenario.partitions.map((partition, p) =>
    partition.map((record, offset): KafkaEventRecord =>
      kafkaRecord({
        topic: TOPIC,
        partition: p,
        offset,
        value: Buffer.from(record.kind === 'poison' ? record.bytes : JSON.stringify(record.event)),
      }),
    ),
  );
  const positions = records.map(() => 0);
  const committed: CommittedChunk[] = [];
  const coverage = new Map<string, number>();
  // Checkpoint offset by revision, per partition: a commit expecting revision r moved the checkpoint from offsetAt[r].
  const offsetAt = records.map(() => new Map<number, number>([[0, -1]]));
  const accepted = (writes: readonly ItemWrite[]): void => {
    for (const write of writes) {
      if (write.body?.kind !== 'checkpoint') continue;
      const { partition, offset } = write.body;
      const from = offsetAt[partition]?.get(write.expectedRev) ?? -1;
      offsetAt[partition]?.set(write.expectedRev + 1, offset);
      for (let o = from + 1; o <= offset; o += 1) coverage.set(`${partition}/${o}`, (coverage.get(`${partition}/${o}`) ?? 0) + 1);
    }
  };
  const deadLetters: DeadLetter[] = [];
  const emissions: WindowEmission[] = [];
  const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry() });
  const logger = new Logger({ serviceName: definition.name, logLevel: 'SILENT' });
  const metrics = new Metrics({ serviceName: definition.name, namespace: 'test' });
  let invocations = 0;
  let crashes = 0;
  let zombies = 0;
  let concurrentRounds = 0;

  // Warm processes outlive the invocations they run, and with them what each partition's commits left.
  const processes = [new PartitionStateCache(), new PartitionStateCache(2)];
  const anyProcess = (): PartitionStateCache => processes[Math.floor(rng() * processes.length)] as PartitionStateCache;

  const invoke = async (event: ReturnType<typeof mskEvent>, crashAfterCalls: number | undefined, partitionCache: PartitionStateCache) => {
    invocations += 1;
    const invocation: Invocation = { crashed: false };
    const chaos = new ChaosStateStore(store, invocation, {
      rng,
      throttleRate: options.throttleRate,
      maxYields: 3,
      onAccepted: accepted,
      crashAfterCalls,
    });
    const writer: DeadLetterWriter = {
      write: (letters) => {
        if (invocation.crashed) return Promise.reject(new InvocationCrashed('the invocation is gone'));
        if (letters.length > 0 && rng() < options.deadLetterFailureRate) return Promise.reject(new Error('injected SQS failure'));
        deadLetters.push(...letters);
        return Promise.resolve();
      },
    };
    const engine = createEngineProcessor(definition, {
      store: chaos,
      now: () => NOW,
      sleep: () => Promise.resolve(),
      partitionCache,
      // Every process closes, racing the others: the case the closer lease makes rare (a holder stalled past
      // its time, a takeover), and the one the conditional writes of closing must make safe.
      closing: 'every-process',
      // Mostly panes far smaller than deployed, so that they grow in parts, and crashes and lost conditions
      // fall between the writes of one pane's parts; processes disagreeing on the size is fine too.
      ...(rng() < 0.7 ? { panePartBytes: 150 + Math.floor(rng() * 450) } : {}),
      onCommit: (chunk) => committed.push(chunk),
      emitter: {
        emit: (batch) => {
          if (invocation.crashed) return Promise.reject(new InvocationCrashed('the invocation is gone'));
          emissions.push(...batch);
          return Promise.resolve();
        },
      },
    });
    try {
      const response = await processKafkaEvent(event, { processorName: definition.name, decoder, deadLetters: writer, logger, metrics, ...engine });
      return invocation.crashed ? undefined : response;
    } catch {
      return undefined;
    }
  };

  /** One invocation of one processor (with its zombie, sometimes), and where its partitions resume. */
  const deliver = async (batch: readonly KafkaEventRecord[]): Promise<void> => {
    const event = mskEvent([...batch]);
    const crashAfter = rng() < options.crashRate ? 1 + Math.floor(rng() * 12) : undefined;
    let response;
    if (rng() < options.zombieRate) {
      // The first attempt timed out but is still running when the retry starts.
      zombies += 1;
      [, response] = await Promise.all([invoke(event, 1 + Math.floor(rng() * 20), anyProcess()), invoke(event, crashAfter, anyProcess())]);
    } else {
      response = await invoke(event, crashAfter, anyProcess());
    }
    if (response === undefined) {
      crashes += 1;
      return;
    }
    // A reported partition resumes at the reported offset; the others after their last record.
    const failures = new Map(response.batchItemFailures.map((f) => [f.itemIdentifier.partition, f.itemIdentifier.offset]));
    for (const record of batch) {
      positions[record.partition] = failures.get(`${record.topic}-${record.partition}`) ?? record.offset + 1;
    }
  };

  for (let round = 0; round < 5_000 && positions.some((at, p) => at < (records[p]?.length ?? 0)); round += 1) {
    const batch: KafkaEventRecord[] = [];
    records.forEach((partition, p) => {
      const at = positions[p] ?? 0;
      if (at >= partition.length || rng() < 0.3) return;
      batch.push(...partition.slice(at, at + 1 + Math.floor(rng() * options.maxBatch)));
    });
    if (batch.length === 0) continue;
    // Half the rounds, two processors of one consumer group hold the partitions between them (even and odd)
    // and run at once: their folds, commits and window closes interleave over the keys and windows they share.
    const groups = rng() < 0.5 ? [batch] : [0, 1].map((parity) => batch.filter((r) => r.partition % 2 === parity)).filter((g) => g.length > 0);
    if (groups.length > 1) concurrentRounds += 1;
    await Promise.all(groups.map(deliver));
  }
  // The end of the stream: whatever is still open closes now.
  await closeDueWindows(
    { definition, store, now: () => NOW, emitter: { emit: (batch) => (emissions.push(...batch), Promise.resolve()) } },
    { watermark: Number.POSITIVE_INFINITY },
  );
  const delivered = records.flatMap((partition, p) => partition.map((_, offset) => `${p}/${offset}`));
  return { delivered, committed, coverage, deadLetters, emissions, invocations, crashes, zombies, concurrentRounds };
}
