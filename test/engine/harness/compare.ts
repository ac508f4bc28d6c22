import type { ProjectionBody, RollupBody, StateBody } from '../../../functions/core/state/state-items.js';
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
 * Compares the engine's final state with the oracle's. An event id missing
 * from a window it belongs to is lost, an extra one duplicated; so is a
 * projected row that differs, a rollup sum off by some amount, a dead
 * letter never written, a window never announced, or a record whose
 * disposition was committed twice.
 */
export function compare(expected: Expected, result: SimulationResult, items: readonly StateBody[]): Verdict {
  let lost = 0;
  let duplicated = 0;
  const problems: string[] = [];
  const note = (message: string): void => {
    if (problems.length < 20) problems.push(message);
  };

  const finals = new Map<string, string[]>();
  for (const item of items) {
    if (item.kind === 'final-window') {
      const w = item;
      finals.set(`${w.view}|${w.key}|${w.start}|${w.end}`, w.result as string[]);
    }
    if (item.kind === 'key-windows' && (item).windows.length > 0) {
      note(`key ${(item).key} of ${(item).view} still has open windows after the final close`);
      lost += (item).windows.reduce((n, w) => n + w.count, 0);
    }
  }
  for (const key of new Set([...expected.windows.keys(), ...finals.keys()])) {
    const { missing, extra } = multisetDiff(expected.windows.get(key) ?? [], finals.get(key) ?? []);
    if (missing > 0 || extra > 0) note(`window ${key}: ${missing} missing, ${extra} extra`);
    lost += missing;
    duplicated += extra;
  }

  const projections = new Map<string, ProjectionBody>();
  const rollups = new Map<string, RollupBody>();
  for (const item of items) {
    if (item.kind === 'projection') projections.set((JSON.parse((item).key) as string[])[0] ?? '', item);
    if (item.kind === 'rollup') rollups.set((item).group, item);
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

  const lettered = new Map(result.deadLetters.map((l) => [`${l.partition}/${l.offset}`, l.reason]));
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

  // Every window of the emitting view is announced (at least once, always under one deduplication id).
  const announced = new Set(result.emissions.map((e) => JSON.parse(e.body) as { view: string; key: string; windowStart: number; windowEnd: number }).map((b) => `${b.view}|${b.key}|${b.windowStart}|${b.windowEnd}`));
  const dedupIds = new Map<string, Set<string>>();
  for (const e of result.emissions) {
    const b = JSON.parse(e.body) as { view: string; key: string; windowStart: number; windowEnd: number };
    const key = `${b.view}|${b.key}|${b.windowStart}|${b.windowEnd}`;
    dedupIds.set(key, (dedupIds.get(key) ?? new Set()).add(e.deduplicationId));
  }
  for (const key of finals.keys()) {
    if (key.startsWith('tumbling|') && !announced.has(key)) {
      note(`window ${key} was never announced`);
      lost += 1;
    }
  }
  for (const [key, ids] of dedupIds) {
    if (ids.size > 1) {
      note(`window ${key} was announced under ${ids.size} deduplication ids`);
      duplicated += ids.size - 1;
    }
  }

  // Accounting: every record is decided by exactly one accepted commit, and
  // what the engine reported matches what must happen to it; the totals
  // then add up: records in = applied + duplicates + dead-lettered.
  for (const [id, disposition] of expected.dispositions) {
    const times = result.coverage.get(id) ?? 0;
    if (times > 1) {
      note(`record ${id} was committed ${times} times`);
      duplicated += times - 1;
    }
    if (times === 0 && disposition !== 'DECODE_ERROR') {
      note(`record ${id} was never committed`);
      lost += 1;
    }
  }
  for (const chunk of result.committed) {
    for (const { offset, disposition } of chunk.dispositions) {
      const id = `${chunk.partition}/${offset}`;
      const reported = disposition.kind === 'rejected' ? disposition.reason : disposition.kind;
      if (reported !== expected.dispositions.get(id)) note(`record ${id} was ${reported}, expected ${String(expected.dispositions.get(id))}`);
    }
  }
  const counted = { in: expected.dispositions.size, applied: 0, duplicates: 0, deadLettered: 0 };
  for (const disposition of expected.dispositions.values()) {
    if (disposition === 'applied') counted.applied += 1;
    else if (disposition === 'duplicate') counted.duplicates += 1;
    else counted.deadLettered += 1;
  }
  if (counted.in !== counted.applied + counted.duplicates + counted.deadLettered) note(`accounting does not add up: ${JSON.stringify(counted)}`);
  return { lost, duplicated, problems };
}
