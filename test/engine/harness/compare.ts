import { rollupTotals, type RollupTotal } from '../../../functions/core/state/rollup-totals.js';
import type { ProjectionBody, StateBody } from '../../../functions/core/state/state-items.js';
import { finalWindowResults, openWindowRecords } from '../../../functions/core/state/window-results.js';
import type { Expected } from './oracle.js';
import type { SimulationResult } from './simulate.js';

export interface Verdict {
  readonly lost: number;
  readonly duplicated: number;
  /** Human-readable differences, for the failure message. */
  readonly problems: string[];
}

const multisetDiff = (expected: readonly string[], actual: readonly string[]): { missing: number; extra: number } => {
  const counts = new Map<string, number>();
  for (const id of expected) counts.set(id, (counts.get(id) ?? 0) + 1);
  let extra = 0;
  for (const id of actual) {
    const left = counts.get(id) ?? 0;
    if (left > 0) counts.set(id, left - 1);
    else extra += 1;
  }
  return { missing: [...counts.values()].reduce((a, b) => a + b, 0), extra };
};

/**
 * Compares what the engine did with what the oracle expects, every check
 * from both sides. An event id missing from a window it belongs to is
 * lost, an extra one duplicated; so is a projected row that differs, a
 * rollup sum off by some amount, a dead letter never written, a window
 * never announced or announced with the wrong ids, or a record the engine
 * decided twice or never.
 */
export function compare(expected: Expected, result: SimulationResult, items: readonly StateBody[]): Verdict {
  let lost = 0;
  let duplicated = 0;
  const problems: string[] = [];
  const note = (message: string): void => {
    if (problems.length < 20) problems.push(message);
  };

  const finals = new Map<string, string[]>();
  for (const w of finalWindowResults(items)) finals.set(`${w.view}|${w.key}|${w.start}|${w.end}`, w.result as string[]);
  for (const open of openWindowRecords(items)) {
    note(`key ${open.key} of ${open.view} still has ${open.records} records in open windows after the final close`);
    lost += open.records;
  }
  for (const key of new Set([...expected.windows.keys(), ...finals.keys()])) {
    const { missing, extra } = multisetDiff(expected.windows.get(key) ?? [], finals.get(key) ?? []);
    if (missing > 0 || extra > 0) note(`window ${key}: ${missing} missing, ${extra} extra`);
    lost += missing;
    duplicated += extra;
  }

  const projections = new Map<string, ProjectionBody>();
  const rollups = new Map<string, RollupTotal>();
  for (const total of rollupTotals(items).values()) rollups.set(total.group, total);
  for (const item of items) {
    if (item.kind === 'projection') projections.set((JSON.parse((item).key) as string[])[0] ?? '', item);
  }
  for (const [row, want] of expected.rows) {
    const got = projections.get(row);
    if (got === undefined || got.position !== String(want.position) || JSON.stringify(got.row) !== JSON.stringify(want.row)) {
      note(`row ${row}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got === undefined ? undefined : { row: got.row, position: got.position })}`);
      lost += 1;
    }
  }
  for (const row of projections.keys()) {
    if (!expected.rows.has(row)) {
      note(`row ${row} should not exist`);
      duplicated += 1;
    }
  }
  for (const group of new Set([...expected.groups.keys(), ...rollups.keys()])) {
    const want = expected.groups.get(group) ?? { qty: 0, rows: 0 };
    const got = rollups.get(group);
    const diff = (got?.measures.qty ?? 0) - want.qty;
    const rowsDiff = (got?.rows ?? 0) - want.rows;
    if (diff !== 0 || rowsDiff !== 0) note(`group ${group}: qty off by ${diff}, rows off by ${rowsDiff}`);
    if (diff > 0 || rowsDiff > 0) duplicated += Math.max(diff, rowsDiff);
    if (diff < 0 || rowsDiff < 0) lost += Math.max(-diff, -rowsDiff);
  }

  // Dead letters may be written again after a crash, but always for the same reason.
  const reasons = new Map<string, Set<string>>();
  for (const l of result.deadLetters) reasons.set(`${l.partition}/${l.offset}`, (reasons.get(`${l.partition}/${l.offset}`) ?? new Set()).add(l.reason));
  for (const [record, given] of reasons) {
    if (given.size > 1) note(`record ${record} was dead-lettered for ${given.size} reasons: ${[...given].join(', ')}`);
  }
  const lettered = new Map([...reasons].map(([record, given]) => [record, [...given][0]]));
  for (const [record, reason] of expected.deadLetters) {
    if (lettered.get(record) !== reason) {
      note(`record ${record} should be dead-lettered as ${reason}, got ${String(lettered.get(record))}`);
      lost += 1;
    }
  }
  for (const [record, reason] of lettered) {
    if (!expected.deadLetters.has(record)) {
      note(`record ${record} was dead-lettered as ${reason} but should not be`);
      lost += 1;
    }
  }

  // Every tumbling window the oracle expects, or the engine finalised, is
  // announced, always under one deduplication id, carrying the expected ids;
  // and nothing else is announced.
  const announcements = new Map<string, { dedupIds: Set<string>; payloads: Set<string> }>();
  for (const e of result.emissions) {
    const b = JSON.parse(e.body) as { view: string; key: string; windowStart: number; windowEnd: number; payload?: unknown };
    const key = `${b.view}|${b.key}|${b.windowStart}|${b.windowEnd}`;
    const seen = announcements.get(key) ?? { dedupIds: new Set<string>(), payloads: new Set<string>() };
    seen.dedupIds.add(e.deduplicationId);
    seen.payloads.add(JSON.stringify(b.payload));
    announcements.set(key, seen);
  }
  const tumbling = (key: string): boolean => key.startsWith('tumbling|');
  for (const key of new Set([...[...expected.windows.keys()].filter(tumbling), ...[...finals.keys()].filter(tumbling)])) {
    if (!announcements.has(key)) {
      note(`window ${key} was never announced`);
      lost += 1;
    }
  }
  for (const [key, { dedupIds, payloads }] of announcements) {
    const want = expected.windows.get(key);
    if (want === undefined) {
      note(`window ${key} was announced but the oracle has no such window`);
      duplicated += 1;
      continue;
    }
    if (dedupIds.size > 1) {
      note(`window ${key} was announced under ${dedupIds.size} deduplication ids`);
      duplicated += dedupIds.size - 1;
    }
    for (const payload of payloads) {
      const { missing, extra } = multisetDiff(want, JSON.parse(payload) as string[]);
      if (missing > 0 || extra > 0) note(`window ${key} was announced with ${missing} ids missing, ${extra} extra`);
      lost += missing;
      duplicated += extra;
    }
  }

  const accounting = account(expected, result);
  lost += accounting.lost;
  duplicated += accounting.duplicated;
  for (const problem of accounting.problems) note(problem);
  return { lost, duplicated, problems };
}

type Outcome = 'applied' | 'duplicate' | 'LATE_EVENT' | 'PROCESSING_ERROR' | 'DECODE_ERROR';

/**
 * Accounting, measured from the engine's side: what each accepted commit
 * reported deciding, the decode failures it dead-lettered (those never
 * reach a commit's dispositions), and how often a checkpoint moved over
 * each record. Every record in is decided exactly once, as the oracle
 * decided it, so records in = applied + duplicates + dead-lettered holds
 * for the engine's own counts, and each count is the oracle's. A record
 * decided by an accepted commit whose answer was lost with its invocation
 * has no report: it counts as unreported, its effects are judged by the
 * state comparison, and the engine's counts may then fall short of the
 * oracle's by exactly the unreported records.
 */
function account(expected: Expected, result: SimulationResult): Verdict {
  let lost = 0;
  let duplicated = 0;
  const problems: string[] = [];

  const decided = new Map<string, Outcome[]>();
  const decide = (id: string, outcome: Outcome): void => {
    decided.set(id, [...(decided.get(id) ?? []), outcome]);
  };
  for (const chunk of result.committed) {
    for (const { offset, disposition } of chunk.dispositions) {
      decide(`${chunk.partition}/${offset}`, disposition.kind === 'rejected' ? disposition.reason : disposition.kind);
    }
  }
  const undecodable = new Set(result.deadLetters.filter((l) => l.reason === 'DECODE_ERROR').map((l) => `${l.partition}/${l.offset}`));
  for (const id of undecodable) decide(id, 'DECODE_ERROR');

  const delivered = new Set(result.delivered);
  for (const id of decided.keys()) {
    if (!delivered.has(id)) problems.push(`record ${id} was decided but never delivered`);
  }
  const counts = { in: delivered.size, applied: 0, duplicates: 0, deadLettered: 0, unreported: 0 };
  for (const id of delivered) {
    const outcomes = decided.get(id) ?? [];
    for (const outcome of outcomes) {
      if (outcome === 'applied') counts.applied += 1;
      else if (outcome === 'duplicate') counts.duplicates += 1;
      else counts.deadLettered += 1;
    }
    const times = result.coverage.get(id) ?? 0;
    if (outcomes.length === 0 && times > 0) {
      counts.unreported += 1;
    } else if (outcomes.length === 0) {
      problems.push(`record ${id} was never decided by the engine, expected ${String(expected.dispositions.get(id))}`);
      lost += 1;
    } else if (outcomes.length > 1) {
      problems.push(`record ${id} was decided ${outcomes.length} times: ${outcomes.join(', ')}`);
      duplicated += outcomes.length - 1;
    } else if (outcomes[0] !== expected.dispositions.get(id)) {
      problems.push(`record ${id} was ${String(outcomes[0])}, expected ${String(expected.dispositions.get(id))}`);
    }
    if (times > 1) {
      problems.push(`record ${id} was committed ${times} times`);
      duplicated += times - 1;
    }
    // A partition holding nothing but undecodable records has nothing to commit.
    if (times === 0 && !undecodable.has(id)) {
      problems.push(`record ${id} was never committed`);
      lost += 1;
    }
  }

  const oracle = { in: expected.dispositions.size, applied: expected.applied, duplicates: expected.duplicates, deadLettered: 0 };
  for (const disposition of expected.dispositions.values()) {
    if (disposition === 'LATE_EVENT' || disposition === 'DECODE_ERROR') oracle.deadLettered += 1;
  }
  if (counts.in !== counts.applied + counts.duplicates + counts.deadLettered + counts.unreported) {
    problems.push(`the engine's accounting does not add up: ${JSON.stringify(counts)}`);
  }
  let shortfall = 0;
  for (const what of ['applied', 'duplicates', 'deadLettered'] as const) {
    if (counts[what] > oracle[what]) problems.push(`the engine counted ${counts[what]} ${what}, the oracle ${oracle[what]}`);
    shortfall += Math.max(0, oracle[what] - counts[what]);
  }
  if (shortfall !== counts.unreported) problems.push(`the engine's counts fall ${shortfall} short of the oracle's, but ${counts.unreported} records went unreported: ${JSON.stringify({ engine: counts, oracle })}`);
  return { lost, duplicated, problems };
}
