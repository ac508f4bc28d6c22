import { closedThroughAtMost, SessionReplay, watermarkAfter, windowsTaking } from './oracle-windows.js';
import { LATENESS_MS, OUT_OF_ORDERNESS_MS, PANES_ONLY_KEY, SESSION_GAP_MS, SLIDE_MS, sessionKeyOf, type Scenario, type TestEvent } from './scenario.js';

/** What a perfect processor ends with: every record applied exactly once, in order. */
export interface Expected {
  /** `${view}|${key}|${start}|${end}` to the sorted ids folded into the window. */
  readonly windows: Map<string, string[]>;
  /** Row key to its final row (null when deleted) and position. */
  readonly rows: Map<string, { row: { row: string; group: string; qty: number } | null; position: number }>;
  /** Group to summed qty and row count. */
  readonly groups: Map<string, { qty: number; rows: number }>;
  readonly applied: number;
  readonly duplicates: number;
  /** `${partition}/${offset}` of records that must be dead-lettered, with the reason. */
  readonly deadLetters: Map<string, 'LATE_EVENT' | 'DECODE_ERROR'>;
  /** `${partition}/${offset}` to what must happen to the record. */
  readonly dispositions: Map<string, 'applied' | 'duplicate' | 'LATE_EVENT' | 'DECODE_ERROR'>;
}

// The test definition's window views, from its parameters: tumbling is the layout whose slide is its size.
const VIEWS = [
  { name: 'tumbling', layout: { sizeMs: SLIDE_MS, slideMs: SLIDE_MS }, lateness: LATENESS_MS.tumbling },
  { name: 'hopping', layout: { sizeMs: 3 * SLIDE_MS, slideMs: SLIDE_MS }, lateness: LATENESS_MS.hopping },
  { name: 'tumbling-per-key', layout: { sizeMs: SLIDE_MS, slideMs: SLIDE_MS }, lateness: LATENESS_MS.tumbling, leavesOut: PANES_ONLY_KEY },
];
const SESSION = { name: 'session', gapMs: SESSION_GAP_MS, lateness: LATENESS_MS.session };

/**
 * A straightforward in-order run of the test definition's semantics: each
 * partition in offset order, its own watermark deciding lateness, all state
 * in maps, every window closed at the end.
 */
export function expectedOutcome(scenario: Scenario): Expected {
  const windows = new Map<string, string[]>();
  // Each session key lives on one partition (see scenario.ts), so its sessions are that partition's replay.
  const sessions = new Map<string, SessionReplay<string>>();
  const rows: Expected['rows'] = new Map();
  const groups: Expected['groups'] = new Map();
  const deadLetters: Expected['deadLetters'] = new Map();
  const dispositions: Expected['dispositions'] = new Map();
  let applied = 0;
  let duplicates = 0;
  const add = (key: string, id: string): void => {
    windows.set(key, [...(windows.get(key) ?? []), id].sort());
  };
  const adjust = (group: string, qty: number, rowsDelta: number): void => {
    const g = groups.get(group) ?? { qty: 0, rows: 0 };
    groups.set(group, { qty: g.qty + qty, rows: g.rows + rowsDelta });
  };

  scenario.partitions.forEach((records, partition) => {
    const eventTimes: number[] = [];
    const seen = new Set<string>();
    records.forEach((record, offset) => {
      const id = `${partition}/${offset}`;
      if (record.kind === 'poison') {
        deadLetters.set(id, 'DECODE_ERROR');
        dispositions.set(id, 'DECODE_ERROR');
        return;
      }
      const event: TestEvent = record.event;
      const watermark = watermarkAfter(eventTimes, OUT_OF_ORDERNESS_MS);
      eventTimes.push(event.t);
      // Each view takes the record into the windows it is on time for; a view that takes it into none missed it.
      const takings =
        event.kind === 'sale'
          ? VIEWS.filter((view) => view.leavesOut !== event.key).map((view) => ({ view, taking: windowsTaking(event.t, view.layout, view.lateness, watermark, closedThroughAtMost(watermark, view.lateness)) }))
          : [];
      const inSession = event.kind === 'sale' && event.key !== PANES_ONLY_KEY;
      const sessionKey = event.kind === 'sale' ? sessionKeyOf(event.key, partition) : '';
      const replay = sessions.get(sessionKey) ?? new SessionReplay<string>(SESSION.gapMs, SESSION.lateness);
      sessions.set(sessionKey, replay);
      // No partition of the test definition goes idle, so the closer never closes what a partition's watermark has not passed.
      const sessionOnTime = inSession && replay.offer(event.t, event.id, watermark, false);
      const lateForAll = event.kind === 'sale' && !sessionOnTime && takings.every((t) => t.taking.length === 0);
      // Lateness before repeats: a record late for every view is side-output as late even when it repeats an earlier event.
      if (lateForAll) {
        deadLetters.set(id, 'LATE_EVENT');
        dispositions.set(id, 'LATE_EVENT');
        return;
      }
      if (seen.has(event.id)) {
        duplicates += 1;
        dispositions.set(id, 'duplicate');
        return;
      }
      seen.add(event.id);
      if (event.kind === 'change') {
        applied += 1;
        dispositions.set(id, 'applied');
        const current = rows.get(event.row);
        if (current !== undefined && current.position >= event.pos) return;
        if (current?.row) adjust(current.row.group, -current.row.qty, -1);
        const row = event.op === 'upsert' ? { row: event.row, group: event.group, qty: event.qty } : null;
        if (row !== null) adjust(row.group, row.qty, 1);
        rows.set(event.row, { row, position: event.pos });
        return;
      }
      let missed = inSession && !sessionOnTime;
      for (const { view, taking } of takings) {
        for (const w of taking) add(`${view.name}|${event.key}|${w.start}|${w.end}`, event.id);
        missed ||= taking.length === 0;
      }
      if (sessionOnTime) replay.offer(event.t, event.id, watermark);
      applied += 1;
      dispositions.set(id, 'applied');
      // Late for some views only: applied to the others, side-output for the ones that missed it.
      if (missed) deadLetters.set(id, 'LATE_EVENT');
    });
  });

  // Every session, fired or not: the final close at the end fires them all.
  for (const [key, replay] of sessions) {
    for (const session of replay.sessions) windows.set(`${SESSION.name}|${key}|${session.start}|${session.end}`, [...session.records].sort());
  }
  return { windows, rows, groups, applied, duplicates, deadLetters, dispositions };
}
