import fc from 'fast-check';
import { defineProcessor, type ProcessorDefinition } from '../../../functions/core/engine/definition.js';

/**
 * The stream the exactly-once property runs: sales (windowed three ways)
 * and row changes (projected, with a rollup), with bounded disorder, a few
 * very late events, repeats of earlier events at new offsets, stale
 * replays of row changes and undecodable records.
 */

export type TestEvent =
  | { readonly kind: 'sale'; readonly id: string; readonly key: string; readonly t: number }
  | {
      readonly kind: 'change';
      readonly id: string;
      readonly t: number;
      readonly row: string;
      readonly op: 'upsert' | 'delete';
      readonly pos: number;
      readonly group: string;
      readonly qty: number;
    };

export type StreamRecord = { readonly kind: 'event'; readonly event: TestEvent } | { readonly kind: 'poison'; readonly bytes: string };

export interface Scenario {
  /** Per partition, records in offset order. */
  readonly partitions: ReadonlyArray<readonly StreamRecord[]>;
}

export const OUT_OF_ORDERNESS_MS = 300;
export const TOPIC = 'sales';

type Ids = string[];
const insertSorted = (ids: Ids, id: string): Ids => [...ids, id].sort();
const mergeSorted = (a: Ids, b: Ids): Ids => [...a, ...b].sort();
const idsAggregate = { initial: (): Ids => [], add: (acc: Ids, v: TestEvent) => insertSorted(acc, v.id), merge: mergeSorted };
const saleKey = (v: TestEvent): string | undefined => (v.kind === 'sale' ? v.key : undefined);

export function testDefinition(partitions: number): ProcessorDefinition {
  return defineProcessor<TestEvent>({
    name: 'exactly-once-test',
    input: { topics: [{ name: TOPIC, partitions }] },
    eventTime: (v) => v.t,
    watermark: { outOfOrdernessMs: OUT_OF_ORDERNESS_MS },
    dedup: { eventId: (v) => v.id, horizonMs: 1_000_000_000 },
    views: [
      { kind: 'window', name: 'tumbling', key: saleKey, window: { type: 'tumbling', sizeMs: 1000 }, aggregate: idsAggregate, emit: (w) => w.result },
      { kind: 'window', name: 'hopping', key: saleKey, window: { type: 'hopping', sizeMs: 3000, slideMs: 1000 }, allowedLatenessMs: 200, aggregate: idsAggregate },
      { kind: 'window', name: 'session', key: saleKey, window: { type: 'session', gapMs: 700 }, allowedLatenessMs: 100, aggregate: idsAggregate },
      {
        kind: 'projection',
        name: 'rows',
        change: (v) =>
          v.kind === 'change'
            ? {
                op: v.op,
                key: JSON.stringify([v.row]),
                row: { row: v.row, group: v.group, qty: v.qty },
                position: BigInt(v.pos),
                positionKind: 'kafka-offset',
                sourceOperation: v.op === 'upsert' ? 'u' : 'd',
                table: 'public.rows',
              }
            : undefined,
        rollups: [{ name: 'by-group', group: (row) => String(row.group), measures: (row) => ({ qty: Number(row.qty) }) }],
      },
    ],
  });
}

interface Draw {
  readonly kind: 'sale' | 'change' | 'late' | 'repeat' | 'stale' | 'poison';
  readonly key: number;
  readonly jitter: number;
  readonly row: number;
  readonly del: boolean;
  readonly qty: number;
  readonly pick: number;
}

const draw: fc.Arbitrary<Draw> = fc.record({
  kind: fc.constantFrom<Draw['kind']>('sale', 'sale', 'sale', 'sale', 'sale', 'change', 'change', 'late', 'repeat', 'stale', 'poison'),
  key: fc.integer({ min: 0, max: 3 }),
  jitter: fc.integer({ min: -250, max: 250 }),
  row: fc.integer({ min: 0, max: 4 }),
  del: fc.boolean(),
  qty: fc.integer({ min: -5, max: 20 }),
  pick: fc.nat(),
});

function buildPartition(p: number, draws: readonly Draw[]): StreamRecord[] {
  const records: StreamRecord[] = [];
  const events: TestEvent[] = [];
  let pos = 0;
  draws.forEach((d, i) => {
    const t = 10_000 + i * 100 + d.jitter;
    const id = `p${p}-e${i}`;
    let event: TestEvent | undefined;
    switch (d.kind) {
      case 'poison':
        records.push({ kind: 'poison', bytes: `not json ${i}` });
        return;
      case 'repeat':
        event = events.length === 0 ? undefined : events[d.pick % events.length];
        break;
      case 'late':
        event = { kind: 'sale', id, key: `k${d.key}`, t: t - 3_000 };
        break;
      case 'stale':
        // An old change replayed: its position is behind what the row already holds.
        event = pos < 2 ? undefined : { kind: 'change', id, t, row: `p${p}-r${d.row}`, op: 'upsert', pos: d.pick % (pos - 1), group: `g${d.key}`, qty: d.qty };
        break;
      case 'change':
        pos += 2;
        event = { kind: 'change', id, t, row: `p${p}-r${d.row}`, op: d.del ? 'delete' : 'upsert', pos, group: `g${d.key}`, qty: d.qty };
        break;
      default:
        event = { kind: 'sale', id, key: `k${d.key}`, t };
    }
    if (event === undefined) return;
    events.push(event);
    records.push({ kind: 'event', event });
  });
  return records;
}

export function scenarioArbitrary(options: { maxPartitions: number; maxRecords: number }): fc.Arbitrary<Scenario> {
  return fc
    .array(fc.array(draw, { maxLength: options.maxRecords, size: 'max' }), { minLength: 1, maxLength: options.maxPartitions, size: 'max' })
    .map((partitions) => ({ partitions: partitions.map((draws, p) => buildPartition(p, draws)) }));
}
