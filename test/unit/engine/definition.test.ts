import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition, type View, type WindowSpec } from '../../../functions/core/engine/definition.js';
import { ProcessorDefinitionError } from '../../../functions/core/engine/errors.js';

interface Sale {
  readonly store: string;
  readonly at: number;
}

const counting = { initial: () => 0, add: (n: number) => n + 1 };
const mergeable = { ...counting, merge: (a: number, b: number) => a + b };

function windowView(name: string, window: WindowSpec, extra: object = {}): View<Sale> {
  return { kind: 'window', name, key: (v: Sale) => v.store, window, aggregate: counting, ...extra };
}

function valid(overrides: Partial<ProcessorDefinition<Sale>> = {}): ProcessorDefinition<Sale> {
  return {
    name: 'store-sales',
    input: { topics: [{ name: 'sales', partitions: 3 }] },
    eventTime: (v) => v.at,
    views: [windowView('per-minute', { type: 'tumbling', sizeMs: 60_000 })],
    ...overrides,
  };
}

function rejection(definition: ProcessorDefinition<Sale>): ProcessorDefinitionError {
  try {
    defineProcessor(definition);
  } catch (error) {
    if (error instanceof ProcessorDefinitionError) return error;
    throw error;
  }
  throw new Error('expected defineProcessor to throw');
}

describe('defineProcessor', () => {
  it('returns a valid definition unchanged', () => {
    // Prepare
    const definition = valid({ watermark: { outOfOrdernessMs: 0, idleTimeoutMs: 60_000 }, dedup: { eventId: () => 'x', horizonMs: 1 } });

    // Act
    const defined = defineProcessor(definition);

    // Assess
    expect(defined).toBe(definition);
  });

  it('rejects a processor name that is not lower-case letters, digits and dashes', () => {
    for (const name of ['Store_Sales', '', '-leading-dash', 'a'.repeat(64), 'store sales']) {
      // Prepare / Act
      const error = rejection(valid({ name }));

      // Assess
      expect(error.reason).toBe('INVALID_DEFINITION');
      expect(error.message).toBe(`Processor '${name}': name must be lower-case letters, digits and dashes (at most 63)`);
    }
  });

  it('rejects a definition without topics', () => {
    // Prepare / Act
    const error = rejection(valid({ input: { topics: [] } }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': input.topics must name at least one topic");
  });

  it('rejects a topic with zero, negative or fractional partitions, naming the topic and the value', () => {
    for (const partitions of [0, -1, 1.5]) {
      // Prepare / Act
      const error = rejection(valid({ input: { topics: [{ name: 'sales', partitions }] } }));

      // Assess
      expect(error.message).toBe(`Processor 'store-sales': input.topics 'sales' partitions must be a positive integer, got ${partitions}`);
    }
  });

  it('rejects a definition without views', () => {
    // Prepare / Act
    const error = rejection(valid({ views: [] }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': views must hold at least one view");
  });

  it('rejects a view name that is not lower-case letters, digits and dashes, naming the view', () => {
    // Prepare / Act
    const error = rejection(valid({ views: [windowView('Per_Minute', { type: 'tumbling', sizeMs: 60_000 })] }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': view name 'Per_Minute' must be lower-case letters, digits and dashes");
  });

  it('rejects two views with the same name, naming the view', () => {
    // Prepare
    const views = [windowView('totals', { type: 'tumbling', sizeMs: 60_000 }), windowView('totals', { type: 'tumbling', sizeMs: 3_600_000 })];

    // Act
    const error = rejection(valid({ views }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': view name 'totals' is used twice");
  });

  it('rejects a zero, negative or fractional window size, naming the view and the value', () => {
    for (const sizeMs of [0, -60_000, 0.5]) {
      // Prepare / Act
      const tumbling = rejection(valid({ views: [windowView('per-minute', { type: 'tumbling', sizeMs })] }));
      const hopping = rejection(valid({ views: [windowView('sliding', { type: 'hopping', sizeMs, slideMs: 1_000 })] }));

      // Assess
      expect(tumbling.message).toBe(`Processor 'store-sales': view 'per-minute' window.sizeMs must be a positive whole number of milliseconds, got ${sizeMs}`);
      expect(hopping.message).toBe(`Processor 'store-sales': view 'sliding' window.sizeMs must be a positive whole number of milliseconds, got ${sizeMs}`);
    }
  });

  it('rejects a zero or negative hopping slide, naming the view and the value', () => {
    for (const slideMs of [0, -1_000]) {
      // Prepare / Act
      const error = rejection(valid({ views: [windowView('sliding', { type: 'hopping', sizeMs: 60_000, slideMs })] }));

      // Assess
      expect(error.message).toBe(`Processor 'store-sales': view 'sliding' window.slideMs must be a positive whole number of milliseconds, got ${slideMs}`);
    }
  });

  it('rejects a hopping size that is not a multiple of the slide, naming the view and both values', () => {
    for (const [sizeMs, slideMs] of [
      [60_000, 7_000],
      [1_000, 3_000],
    ] as const) {
      // Prepare / Act
      const error = rejection(valid({ views: [windowView('sliding', { type: 'hopping', sizeMs, slideMs })] }));

      // Assess
      expect(error.message).toBe(`Processor 'store-sales': view 'sliding' window.sizeMs (${sizeMs}) must be a multiple of slideMs (${slideMs})`);
    }
  });

  it('rejects a zero or negative session gap, naming the view and the value', () => {
    for (const gapMs of [0, -1]) {
      // Prepare / Act
      const error = rejection(valid({ views: [windowView('visits', { type: 'session', gapMs }, { aggregate: mergeable })] }));

      // Assess
      expect(error.message).toBe(`Processor 'store-sales': view 'visits' window.gapMs must be a positive whole number of milliseconds, got ${gapMs}`);
    }
  });

  it('rejects a session view whose aggregate has no merge, naming the view', () => {
    // Prepare / Act
    const error = rejection(valid({ views: [windowView('visits', { type: 'session', gapMs: 30_000 })] }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': view 'visits' uses session windows, so its aggregate needs merge");
  });

  it('rejects a window view when the processor has no eventTime, naming the view', () => {
    // Prepare
    const { eventTime: _omitted, ...withoutEventTime } = valid();

    // Act
    const error = rejection(withoutEventTime);

    // Assess
    expect(error.message).toBe("Processor 'store-sales': view 'per-minute' is windowed, so the processor needs eventTime");
  });

  it('accepts a projection-only processor without eventTime', () => {
    // Prepare
    const { eventTime: _omitted, ...withoutEventTime } = valid({ views: [{ kind: 'projection', name: 'stock', change: () => undefined }] });

    // Act / Assess
    expect(() => defineProcessor(withoutEventTime)).not.toThrow();
  });

  it('rejects a negative allowed lateness, naming the view and the value', () => {
    // Prepare / Act
    const error = rejection(valid({ views: [windowView('per-minute', { type: 'tumbling', sizeMs: 60_000 }, { allowedLatenessMs: -1 })] }));

    // Assess
    expect(error.message).toBe("Processor 'store-sales': view 'per-minute' allowedLatenessMs must be a whole number of milliseconds >= 0, got -1");
  });

  it('rejects negative out-of-orderness, a zero idle timeout and a zero dedup horizon, naming the setting', () => {
    // Prepare / Act
    const outOfOrderness = rejection(valid({ watermark: { outOfOrdernessMs: -5 } }));
    const idle = rejection(valid({ watermark: { idleTimeoutMs: 0 } }));
    const horizon = rejection(valid({ dedup: { eventId: () => 'x', horizonMs: 0 } }));

    // Assess
    expect(outOfOrderness.message).toBe("Processor 'store-sales': watermark.outOfOrdernessMs must be a whole number of milliseconds >= 0, got -5");
    expect(idle.message).toBe("Processor 'store-sales': watermark.idleTimeoutMs must be a positive whole number of milliseconds, got 0");
    expect(horizon.message).toBe("Processor 'store-sales': dedup.horizonMs must be a positive whole number of milliseconds, got 0");
  });

  it('rejects rollup names that are invalid or used twice in one view, naming the view and the rollup', () => {
    // Prepare
    const rollup = (name: string) => ({ name, group: () => 'g', measures: () => ({ qty: 1 }) });
    const projection = (names: string[]): View<Sale> => ({ kind: 'projection', name: 'stock', change: () => undefined, rollups: names.map(rollup) });

    // Act
    const invalid = rejection(valid({ views: [projection(['By_Sku'])] }));
    const twice = rejection(valid({ views: [projection(['by-sku', 'by-sku'])] }));

    // Assess
    expect(invalid.message).toBe("Processor 'store-sales': view 'stock' rollup name 'By_Sku' must be lower-case letters, digits and dashes");
    expect(twice.message).toBe("Processor 'store-sales': view 'stock' rollup name 'by-sku' is used twice");
  });
});
