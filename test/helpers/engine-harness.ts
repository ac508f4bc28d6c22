import type { WindowEmission } from '../../functions/core/emit/window-emitter.js';
import type { ProcessorDefinition } from '../../functions/core/engine/definition.js';
import { createEngineProcessor } from '../../functions/core/engine/engine-processor.js';
import { closeDueWindows } from '../../functions/core/engine/window-closer.js';
import { processKafkaEvent } from '../../functions/core/handler/process-kafka-event.js';
import type { KafkaBatchResponse } from '../../functions/core/msk/batch-response.js';
import type { KafkaEventRecord } from '../../functions/core/msk/types.js';
import { RecordDecoder } from '../../functions/core/serde/record-decoder.js';
import type { SchemaRegistry } from '../../functions/core/serde/schema-registry.js';
import { InMemoryStateStore } from '../../functions/core/state/in-memory-state-store.js';
import type { StateBody } from '../../functions/core/state/state-items.js';
import { RecordingDeadLetterWriter, quietObservability } from './handler-harness.js';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.js';
import { mskEvent } from './kafka-events.js';

/** A processor definition run end to end in memory: decode, engine, dead letters, emissions. */
export class EngineHarness {
  public readonly store = new InMemoryStateStore();
  public readonly deadLetters = new RecordingDeadLetterWriter();
  public readonly emissions: WindowEmission[] = [];
  private readonly decoder: RecordDecoder;

  public constructor(
    private readonly definition: ProcessorDefinition,
    registry: SchemaRegistry = new InMemorySchemaRegistry(),
    private readonly now: () => number = () => 1_800_000_000_000,
  ) {
    this.decoder = new RecordDecoder({ registry, readerSchema: definition.input.readerSchema });
  }

  public async deliver(records: readonly KafkaEventRecord[]): Promise<KafkaBatchResponse> {
    const { logger, metrics } = quietObservability(this.definition.name);
    const engine = createEngineProcessor(this.definition, {
      store: this.store,
      now: this.now,
      sleep: () => Promise.resolve(),
      emitter: { emit: (batch) => (this.emissions.push(...batch), Promise.resolve()) },
    });
    return processKafkaEvent(mskEvent(records), { processorName: this.definition.name, decoder: this.decoder, deadLetters: this.deadLetters, logger, metrics, ...engine });
  }

  /** Closes every open window, as if the watermark had reached the end of time. */
  public async closeAll(): Promise<void> {
    await closeDueWindows(
      { definition: this.definition, store: this.store, now: this.now, emitter: { emit: (batch) => (this.emissions.push(...batch), Promise.resolve()) } },
      { watermark: Number.POSITIVE_INFINITY },
    );
  }

  public items<K extends StateBody['kind']>(kind: K): Array<Extract<StateBody, { kind: K }>> {
    return this.store.snapshot().map((i) => i.body).filter((b): b is Extract<StateBody, { kind: K }> => b.kind === kind);
  }
}
