import fc from 'fast-check';
import { defineProcessor, type ProcessorDefinition, type RecordContext } from '../../../functions/core/engine/definition.js';

/**
 * The stream the exactly-once property runs: sales (windowed three ways)
 * and row changes (projected, with a rollup), with bounded disorder, late
 * events, pairs of events on the edges of the lateness and merge rules,
 * repeats of earlier events at new offsets, stale replays of row changes
 * and undecodable records.
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
/** Each window view's allowed lateness; fixed windows start every second. */
/** The test definition's window parameters: the definition, the oracle and the edge draws all read them here, so they cannot drift apart. */
export const LATENESS_MS = { tumbling: 0, hopping: 200, session: 100 } as const;
export const SLIDE_MS = 1000;
export const SESSION_GAP_MS = 700;
export const TOPIC = 'sales';

type Ids = string[];
const insertSorted = (ids: Ids, id: string): Ids => [...ids, id].sort();
const mergeSorted = (a: Ids, b: Ids): Ids => [...a, ...b].sort();
const idsAggregate = { initial: (): Ids => [], add: (acc: Ids, v: TestEvent) => insertSorted(acc, v.id), merge: mergeSorted };
const saleKey = (v: TestEvent): string | undefined => (v.kind === 'sale' ? v.key : undefined);
/**
 * The session view leaves out one key's sales, so they reach only views kept
 * in panes: their repeats are caught by the ids in the panes alone, with no
 * marker item to fall back on.
 */
export const PANES_ONLY_KEY = 'k3';
const keyedItemKey = (v: TestEvent): string | undefined => (v.kind === 'sale' && v.key !== PANES_ONLY_KEY ? v.key : undefined);
/**
 * A session key lives on one partition, as it does when producers key by it:
 * which sessions a record joins depends on what the key's item holds when it
 * comes, so a key spread over partitions would make the result depend on how
 * partitions interleave, as it does in Flink. Items written by several
 * partitions are exercised by the per-key tumbling view instead.
 */
export const sessionKeyOf = (key: string, partition: number): string => `${key}@p${partition}`;
const sessionKey = (v: TestEvent, record: RecordContext): string | undefined => {
  const key = keyedItemKey(v);
  return key === undefined ? undefined : sessionKeyOf(key, record.partition);
};
/** An aggregate without merge: its windows are kept one item per key, written by every partition that has the key. */
const idsPerKeyAggregate = { initial: idsAggregate.initial, add: idsAggregate.add };

export function testDefinition(partitions: number): ProcessorDefinition {
  return defineProcessor<TestEvent>({
    name: 'exactly-once-test',
    input: { topics: [{ name: TOPIC, partitions }] },
    eventTime: (v) => v.t,
    watermark: { outOfOrdernessMs: OUT_OF_ORDERNESS_MS },
    dedup: { eventId: (v) => v.id, horizonMs: 1_000_000_000 },
    views: [
      { kind: 'window', name: 'tumbling', key: saleKey, window: { type: 'tumbling', sizeMs: SLIDE_MS }, allowedLatenessMs: LATENESS_MS.tumbling, aggregate: idsAggregate, emit: (w) => w.result },
      { kind: 'window', name: 'hopping', key: saleKey, window: { type: 'hopping', sizeMs: 3 * SLIDE_MS, slideMs: SLIDE_MS }, allowedLatenessMs: LATENESS_MS.hopping, aggregate: idsAggregate },
      { kind: 'window', name: 'tumbling-per-key', key: keyedItemKey, window: { type: 'tumbling', sizeMs: SLIDE_MS }, allowedLatenessMs: LATENESS_MS.tumbling, aggregate: idsPerKeyAggregate },
      { kind: 'window', name: 'session', key: sessionKey, window: { type: 'session', gapMs: SESSION_GAP_MS }, allowedLatenessMs: LATENESS_MS.session, aggregate: idsAggregate },
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
  readonly kind: 'sale' | 'change' | 'late' | 'edge' | 'repeat' | 'stale' | 'poison';
  readonly key: number;
  readonly jitter: number;
  readonly lag: number;
  readonly row: number;
  readonly del: boolean;
  readonly qty: number;
  readonly pick: number;
}

const draw: fc.Arbitrary<Draw> = fc.record({
  kind: fc.constantFrom<Draw['kind']>('sale', 'sale', 'sale', 'sale', 'sale', 'change', 'change', 'late', 'edge', 'repeat', 'stale', 'poison'),
  key: fc.integer({ min: 0, max: 3 }),
  // Window sizes, slides, gaps, lateness and out-of-orderness are whole
  // hundreds of ms, so every edge of the rules (a watermark reaching
  // end - 1 + lateness, a session just touching another) falls within a
  // millisecond or two of a multiple of 100. Most event times sit there,
  // so that an off-by-one in the engine shows; the rest spread evenly.
  jitter: fc.oneof(
    { arbitrary: fc.integer({ min: -250, max: 250 }), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 })).map(([steps, off]) => steps * 100 + off), weight: 2 },
  ),
  // How far behind a late event is: anywhere from just past the out-of-orderness to too late for every window.
  lag: fc.integer({ min: 3, max: 30 }).map((hundreds) => hundreds * 100),
  row: fc.integer({ min: 0, max: 4 }),
  del: fc.boolean(),
  qty: fc.integer({ min: -5, max: 20 }),
  pick: fc.nat(),
});

function buildPartition(p: number, draws: readonly Draw[]): StreamRecord[] {
  const records: StreamRecord[] = [];
  const events: TestEvent[] = [];
  let pos = 0;
  let newest = Number.NEGATIVE_INFINITY;
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
        event = { kind: 'sale', id, key: `k${d.key}`, t: t - d.lag };
        break;
      case 'edge': {
        const times = edgeTimes(newest, t, d.pick);
        const straggler = times.pop() as number;
        // A key of their own, so that no other record's session bridges or blurs the edge.
        const key = `edge-p${p}-${i}`;
        times.forEach((pusher, n) => {
          const first: TestEvent = { kind: 'sale', id: n === 0 ? id : `${id}-${n}`, key, t: pusher };
          events.push(first);
          records.push({ kind: 'event', event: first });
          newest = Math.max(newest, pusher);
        });
        event = { kind: 'sale', id: `${id}-edge`, key, t: straggler };
        break;
      }
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
    newest = Math.max(newest, event.t);
    events.push(event);
    records.push({ kind: 'event', event });
  });
  return records;
}

/**
 * Event times of one key on an edge of the rules, which random times reach
 * too rarely to catch an off-by-one there: the last is the record on the
 * edge, the others come before it. For a lateness edge the first moves the
 * partition's watermark to one millisecond before, at or after the point
 * where a window of one view (or, for sessions, the record's own session)
 * stops taking records, and the last is a record for exactly that window.
 * For a session join the record's own session has closed or not, and it
 * touches an open session one millisecond short of, exactly at or one
 * millisecond inside its start. For a merge edge the second starts a
 * session one millisecond inside, exactly at or one millisecond past the
 * end of the session the first opened.
 */
function edgeTimes(newest: number, t: number, pick: number): number[] {
  const off = (pick % 3) - 1;
  const edge = (['tumbling', 'hopping', 'session', 'session-join', 'merge'] as const)[Math.floor(pick / 3) % 5] ?? 'merge';
  const first = Math.max(newest, t);
  if (edge === 'merge') return [first, first + SESSION_GAP_MS + off];
  // The first puts the watermark at first - out-of-orderness - 1. A session record's own session [s, s + gap)
  // closes at s + gap - 1 + lateness, so it is late on its own exactly when s <= first - out-of-orderness - lateness - gap.
  const ownSessionClosed = first - OUT_OF_ORDERNESS_MS - LATENESS_MS.session - SESSION_GAP_MS;
  // Too far back to touch the first's session: late exactly when off <= 0.
  if (edge === 'session') return [first, ownSessionClosed + off];
  if (edge === 'session-join') {
    // An on-time record at bridge opens a session reaching the first's; the last touches it when off >= 0,
    // while its own session has closed when off <= 0: late only at off = -1.
    const bridge = ownSessionClosed + SESSION_GAP_MS;
    return [first, bridge, bridge - SESSION_GAP_MS + off];
  }
  const lateness = LATENESS_MS[edge];
  // The window ending at `end` closes at watermark end - 1 + lateness; the first record puts the watermark at that
  // plus off (late when off >= 0), never below the partition's newest event time, so that it is the one deciding.
  const end = Math.ceil((first - OUT_OF_ORDERNESS_MS - lateness - off) / SLIDE_MS) * SLIDE_MS;
  const intoWindow = Math.floor(pick / 12) % SLIDE_MS;
  return [end + lateness + off + OUT_OF_ORDERNESS_MS, end - 1 - intoWindow];
}

export function scenarioArbitrary(options: { maxPartitions: number; maxRecords: number }): fc.Arbitrary<Scenario> {
  return fc
    .array(fc.array(draw, { maxLength: options.maxRecords, size: 'max' }), { minLength: 1, maxLength: options.maxPartitions, size: 'max' })
    .map((partitions) => ({ partitions: partitions.map((draws, p) => buildPartition(p, draws)) }));
}
