import type { ChangeEvent } from '../cdc/change-event.js';
import type { AvroSchemaDefinition } from '../serde/avro-schema.js';
import { ProcessorDefinitionError } from './errors.js';

/**
 * What a processor is: its input, how to read time and identity from a
 * record, and the views it keeps. A view is either a windowed aggregation or
 * a projection of change events; one processor may keep several over the
 * same input, paying for one pass, one checkpoint and one transaction.
 */

/** The parts of a record that user functions may look at besides its value. */
export interface RecordContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Kafka record timestamp, epoch millis. */
  readonly timestamp: number;
  readonly key: Buffer | null;
}

export interface TopicInput {
  readonly name: string;
  /**
   * The topic's partition count. The processor's watermark is the minimum
   * over all of them, so a partition that has not reported yet holds windows
   * open (until it counts as idle) instead of letting them close early.
   */
  readonly partitions: number;
}

export type WindowSpec =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'hopping'; readonly sizeMs: number; readonly slideMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

/** Accumulators are stored as JSON: they must be plain JSON values. */
export interface Aggregate<TValue, TAcc> {
  initial(): TAcc;
  add(accumulator: TAcc, value: TValue, record: RecordContext): TAcc;
  /** Combines two accumulators; session windows need it to merge sessions. */
  merge?(a: TAcc, b: TAcc): TAcc;
}

export interface ClosedWindow<TAcc> {
  readonly view: string;
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly result: TAcc;
  /** Records folded into the window. */
  readonly count: number;
}

export interface WindowView<TValue, TAcc> {
  readonly kind: 'window';
  /** Unique within the processor: lower-case letters, digits and dashes. */
  readonly name: string;
  /** The grouping key; `undefined` leaves the record out of this view. */
  readonly key: (value: TValue, record: RecordContext) => string | undefined;
  readonly window: WindowSpec;
  /** How long after its end a window still takes records. @default 0 */
  readonly allowedLatenessMs?: number;
  readonly aggregate: Aggregate<TValue, TAcc>;
  /**
   * What to emit when a window closes; `undefined` emits nothing. Emissions
   * go to the processor's FIFO queue with a deduplication id derived from
   * the window, so a window is announced once even if closing is retried.
   */
  emit?(closed: ClosedWindow<TAcc>): unknown;
}

/** Keeps per-group sums over a projection's current rows, e.g. stock per SKU and location. */
export interface Rollup {
  /** Unique within the view: lower-case letters, digits and dashes. */
  readonly name: string;
  /** The group a row counts towards; `undefined` leaves the row out. */
  readonly group: (row: Readonly<Record<string, unknown>>) => string | undefined;
  /** The numbers the row adds to its group. */
  readonly measures: (row: Readonly<Record<string, unknown>>) => Readonly<Record<string, number>>;
}

export interface ProjectionView<TValue> {
  readonly kind: 'projection';
  readonly name: string;
  /** The change a record carries; `undefined` for records that change nothing (tombstones, heartbeats). */
  readonly change: (value: TValue, record: RecordContext) => ChangeEvent | undefined;
  readonly rollups?: readonly Rollup[];
}

/**
 * A view of any accumulator type. Aggregate methods are method signatures,
 * which TypeScript compares bivariantly, so a `WindowView<T, Totals>` is a
 * `View<T>` without casts.
 */
export type View<TValue> = WindowView<TValue, unknown> | ProjectionView<TValue>;

export interface ProcessorDefinition<TValue = unknown> {
  /** Names the processor everywhere: logs, metrics, dead letters, emissions. */
  readonly name: string;
  readonly input: {
    readonly topics: readonly TopicInput[];
    /** @default none: Avro records decode with their writer schema */
    readonly readerSchema?: AvroSchemaDefinition;
  };
  /** Event time, epoch millis. Required when the processor has window views. */
  readonly eventTime?: (value: TValue, record: RecordContext) => number;
  readonly watermark?: {
    /** How far behind the newest event time a record may arrive and still be on time; the watermark is the newest event time less this, less 1, as in Flink. @default 0 */
    readonly outOfOrdernessMs?: number;
    /** A partition with no commit for this long stops holding the watermark back. @default never */
    readonly idleTimeoutMs?: number;
  };
  /** Semantic deduplication of records that repeat an event at another offset. */
  readonly dedup?: {
    readonly eventId: (value: TValue, record: RecordContext) => string | undefined;
    /** How long an event id is remembered, in processing time. */
    readonly horizonMs: number;
  };
  readonly views: ReadonlyArray<View<TValue>>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function fail(definition: { name?: unknown }, message: string): never {
  throw new ProcessorDefinitionError(`Processor '${String(definition.name)}': ${message}`);
}

function positive(definition: ProcessorDefinition<never>, what: string, value: number | undefined, allowZero = false): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    fail(definition, `${what} must be ${allowZero ? 'a whole number of milliseconds >= 0' : 'a positive whole number of milliseconds'}, got ${value}`);
  }
}

/**
 * Checks a definition once, at cold start, and names the first rule it
 * breaks. `TValue` types the user functions; the engine sees values as
 * `unknown`, since what arrives is whatever the reader schema decoded.
 */
export function defineProcessor<TValue>(definition: ProcessorDefinition<TValue>): ProcessorDefinition {
  const d = definition as ProcessorDefinition<never>;
  if (!NAME.test(d.name)) fail(d, 'name must be lower-case letters, digits and dashes (at most 63)');
  if (d.input.topics.length === 0) fail(d, 'input.topics must name at least one topic');
  for (const topic of d.input.topics) {
    if (!Number.isInteger(topic.partitions) || topic.partitions < 1) {
      fail(d, `input.topics '${topic.name}' partitions must be a positive integer, got ${topic.partitions}`);
    }
  }
  positive(d, 'watermark.outOfOrdernessMs', d.watermark?.outOfOrdernessMs, true);
  positive(d, 'watermark.idleTimeoutMs', d.watermark?.idleTimeoutMs);
  positive(d, 'dedup.horizonMs', d.dedup?.horizonMs);
  if (d.views.length === 0) fail(d, 'views must hold at least one view');
  const names = new Set<string>();
  for (const view of d.views) {
    if (!NAME.test(view.name)) fail(d, `view name '${view.name}' must be lower-case letters, digits and dashes`);
    if (names.has(view.name)) fail(d, `view name '${view.name}' is used twice`);
    names.add(view.name);
    if (view.kind === 'window') {
      if (d.eventTime === undefined) fail(d, `view '${view.name}' is windowed, so the processor needs eventTime`);
      const w = view.window;
      if (w.type === 'session') {
        positive(d, `view '${view.name}' window.gapMs`, w.gapMs);
        if (view.aggregate.merge === undefined) fail(d, `view '${view.name}' uses session windows, so its aggregate needs merge`);
      } else {
        positive(d, `view '${view.name}' window.sizeMs`, w.sizeMs);
        if (w.type === 'hopping') {
          positive(d, `view '${view.name}' window.slideMs`, w.slideMs);
          if (w.sizeMs % w.slideMs !== 0) fail(d, `view '${view.name}' window.sizeMs (${w.sizeMs}) must be a multiple of slideMs (${w.slideMs})`);
        }
      }
      positive(d, `view '${view.name}' allowedLatenessMs`, view.allowedLatenessMs, true);
    } else {
      const rollups = new Set<string>();
      for (const rollup of view.rollups ?? []) {
        if (!NAME.test(rollup.name)) fail(d, `view '${view.name}' rollup name '${rollup.name}' must be lower-case letters, digits and dashes`);
        if (rollups.has(rollup.name)) fail(d, `view '${view.name}' rollup name '${rollup.name}' is used twice`);
        rollups.add(rollup.name);
      }
    }
  }
  return definition as ProcessorDefinition;
}
