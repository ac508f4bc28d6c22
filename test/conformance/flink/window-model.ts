import type { FinalWindow, WindowResults, Workload, WorkloadRecord } from './workload.js';

/**
 * The suite's own reading of Flink's event-time window operator, written
 * from Flink's documented behaviour and imports nothing of the engine. It
 * has three uses, none of which takes our engine's answer as input:
 *
 * - with Flink's rules it predicts what Flink returns, which the suite checks
 *   on every workload, so the model is known to agree with Flink;
 * - judged by each record's own partition's watermark instead of the
 *   operator's (the engine's one deliberate difference), it names the
 *   records late only by that rule, which Flink is then run without;
 * - with a rule changed (the watermark one millisecond off, or the session
 *   lateness rule the engine used before), it says which known difference
 *   explains what the engine did, when the engine and Flink differ.
 *
 * Judging by the record's own partition's watermark changes three things,
 * all named here from the workload alone: records late only by it (whole
 * records, `lateOnlyByPartition`); for hopping windows, the windows of a
 * record that it closed although the operator's had not (`windowsMissedOnlyByPartition`);
 * and for sessions, a live session whose closing time the record's own
 * watermark has passed is closed for that record, so the record does not
 * join it where Flink would (`sessionJoinsDiffer` tells where that matters).
 *
 * Flink's behaviour, as modelled:
 * - a partition's watermark is its newest event time − outOfOrderness − 1
 *   (BoundedOutOfOrdernessWatermarks), −∞ before its first record; the
 *   operator's is the minimum over all declared partitions, and a record is
 *   judged by the watermark from the records before it;
 * - a window [start, end) is late once end − 1 + allowedLateness <= watermark;
 *   a fixed-window record goes into its windows that are not late and is
 *   late (side output) when all of them are;
 * - a session record opens [t, t + gap), merges with every live session of
 *   its key it overlaps or touches, and is late when the merged session is;
 * - a session is gone (fired and purged) once the operator's watermark
 *   reaches its end − 1 + allowedLateness, so no later record joins it;
 * - at the end of input every window fires, and only the last firing of a
 *   window counts.
 */

export interface ModelRules {
  /**
   * Whose watermark judges a record: `operator`, the minimum over partitions
   * (Flink), or `partition`, the record's own (the engine, deliberately: its
   * results do not depend on how partitions interleave). Sessions are purged
   * at the operator's watermark either way, as the window closer closes them.
   */
  readonly judgedBy: 'operator' | 'partition';
  /** How far a partition's watermark trails its newest event time beyond the out-of-orderness: 1 in Flink. */
  readonly watermarkLag: number;
  /**
   * `merged`: a session record is late when the session it joins after
   * merging is (Flink). `record`: when a session ending at its own event time
   * would be, t − 1 + allowedLateness <= watermark (the engine's former rule).
   */
  readonly sessionLateness: 'merged' | 'record';
  /**
   * Which live sessions a record may join: `operator`, every one the
   * operator's watermark has not closed (Flink); `partition`, only those its
   * own partition's watermark has not reached the closing time of either.
   */
  readonly sessionsJoinable?: 'operator' | 'partition';
}

export const FLINK_RULES: ModelRules = { judgedBy: 'operator', watermarkLag: 1, sessionLateness: 'merged' };
/**
 * What the engine is to do: Flink's rules, except that everything about a
 * record is judged by its own partition's watermark (README, "Late records":
 * a window is too late for a record once that watermark reached its
 * end − 1 + allowed lateness), which sessions it may join included.
 */
export const TARGET_RULES: ModelRules = { judgedBy: 'partition', watermarkLag: 1, sessionLateness: 'merged', sessionsJoinable: 'partition' };

export interface ModelOutcome {
  readonly windows: FinalWindow[];
  readonly late: Set<string>;
  /** Late by the record's own partition's watermark but not by the operator's: empty unless judged by partition. */
  readonly lateOnlyByPartition: Set<string>;
  /** A record's share of a hopping window that its own partition's watermark closed but the operator's had not. */
  readonly windowsMissedOnlyByPartition: MissedWindow[];
}

export interface MissedWindow {
  readonly record: WorkloadRecord;
  readonly start: number;
  readonly end: number;
}

interface Live {
  start: number;
  end: number;
  sum: number;
  count: number;
}

/** Whether a window ending at `end` is past taking records at `watermark`. */
const isLate = (end: number, allowedLatenessMs: number, watermark: number): boolean => end - 1 + allowedLatenessMs <= watermark;

/** The fixed windows holding t, by their starts: every multiple of the slide in (t − size, t]. */
function fixedWindowsHolding(t: number, sizeMs: number, slideMs: number): Array<{ start: number; end: number }> {
  const newestStart = t - (((t % slideMs) + slideMs) % slideMs);
  const windows: Array<{ start: number; end: number }> = [];
  for (let start = newestStart; start > t - sizeMs; start -= slideMs) windows.push({ start, end: start + sizeMs });
  return windows;
}

export function runModel(workload: Workload, rules: ModelRules): ModelOutcome {
  const { window, allowedLatenessMs: lateness, outOfOrdernessMs } = workload;
  const newest = Array.from({ length: workload.partitions }, () => Number.NEGATIVE_INFINITY);
  const partitionWatermark = (p: number): number => (newest[p] ?? Number.NEGATIVE_INFINITY) - outOfOrdernessMs - rules.watermarkLag;
  const operatorWatermark = (): number => Math.min(...newest.map((_, p) => partitionWatermark(p)));

  const late = new Set<string>();
  const lateOnlyByPartition = new Set<string>();
  const windowsMissedOnlyByPartition: MissedWindow[] = [];
  const fixed = new Map<string, FinalWindow>();
  const liveSessions = new Map<string, Live[]>();
  const finalSessions: FinalWindow[] = [];

  const judge = (record: WorkloadRecord, lateAt: (watermark: number) => boolean): boolean => {
    const operator = operatorWatermark();
    const judging = rules.judgedBy === 'operator' ? operator : partitionWatermark(record.partition);
    if (!lateAt(judging)) return false;
    late.add(record.id);
    if (!lateAt(operator)) lateOnlyByPartition.add(record.id);
    return true;
  };

  for (const record of workload.records) {
    const t = record.eventTime;
    if (window.type !== 'session') {
      const slide = window.type === 'tumbling' ? window.sizeMs : window.slideMs;
      const windows = fixedWindowsHolding(t, window.sizeMs, slide);
      // The newest window closes last, so the record is late exactly when that one is.
      const newestEnd = Math.max(...windows.map((w) => w.end));
      if (!judge(record, (watermark) => isLate(newestEnd, lateness, watermark))) {
        const watermark = rules.judgedBy === 'operator' ? operatorWatermark() : partitionWatermark(record.partition);
        const operator = operatorWatermark();
        for (const w of windows.filter((w) => isLate(w.end, lateness, watermark) && !isLate(w.end, lateness, operator))) {
          windowsMissedOnlyByPartition.push({ record, start: w.start, end: w.end });
        }
        for (const w of windows.filter((w) => !isLate(w.end, lateness, watermark))) {
          const id = `${record.key}\u0000${w.start}`;
          const before = fixed.get(id) ?? { key: record.key, start: w.start, end: w.end, sum: 0, count: 0 };
          fixed.set(id, { ...before, sum: before.sum + record.value, count: before.count + 1 });
        }
      }
    } else {
      // Purge what the operator's watermark has closed, before the record is looked at.
      const operator = operatorWatermark();
      for (const [key, sessions] of liveSessions) {
        const [gone, live] = [sessions.filter((s) => isLate(s.end, lateness, operator)), sessions.filter((s) => !isLate(s.end, lateness, operator))];
        finalSessions.push(...gone.map((s) => ({ key, ...s })));
        liveSessions.set(key, live);
      }
      const own = partitionWatermark(record.partition);
      const live = (liveSessions.get(record.key) ?? []).filter((s) => rules.sessionsJoinable !== 'partition' || !isLate(s.end, lateness, own));
      const untouchable = (liveSessions.get(record.key) ?? []).filter((s) => !live.includes(s));
      const merged: Live = { start: t, end: t + window.gapMs, sum: record.value, count: 1 };
      const joined: Live[] = [];
      // Merging can widen the session into reach of another one, so repeat until nothing more touches.
      for (let grew = true; grew; ) {
        grew = false;
        for (const s of live) {
          if (joined.includes(s) || !(s.start <= merged.end && merged.start <= s.end)) continue;
          joined.push(s);
          merged.start = Math.min(merged.start, s.start);
          merged.end = Math.max(merged.end, s.end);
          merged.sum += s.sum;
          merged.count += s.count;
          grew = true;
        }
      }
      const lateAt = (watermark: number): boolean => (rules.sessionLateness === 'merged' ? isLate(merged.end, lateness, watermark) : t - 1 + lateness <= watermark);
      if (!judge(record, lateAt)) liveSessions.set(record.key, [...untouchable, ...live.filter((s) => !joined.includes(s)), merged]);
    }
    newest[record.partition] = Math.max(newest[record.partition] ?? t, t);
  }
  for (const [key, sessions] of liveSessions) finalSessions.push(...sessions.map((s) => ({ key, ...s })));
  return { windows: [...fixed.values(), ...finalSessions], late, lateOnlyByPartition, windowsMissedOnlyByPartition };
}

/**
 * Whether judging which sessions a record may join by its own partition's
 * watermark, rather than by the operator's, changes the result or which
 * records are late only by partition: there the engine's target cannot come
 * from Flink by leaving records out, since Flink would still merge what the
 * engine keeps apart.
 */
export function sessionJoinsDiffer(workload: Workload): boolean {
  if (workload.window.type !== 'session') return false;
  const byPartition = runModel(workload, TARGET_RULES);
  const byOperator = runModel(workload, { ...TARGET_RULES, sessionsJoinable: 'operator' });
  const text = (outcome: ModelOutcome): string =>
    [...outcome.windows.map((w) => `${w.key} ${w.start} ${w.end} ${w.sum} ${w.count}`).sort(), [...outcome.late].sort().join(), [...outcome.lateOnlyByPartition].sort().join()].join('\n');
  return text(byPartition) !== text(byOperator);
}

/**
 * The engine's target from Flink's answer on the workload without the
 * records late only by partition: those records added to the late ones, and
 * each hopping window's share of a record whose own watermark had closed it
 * taken out (a window left with no record is not a window).
 */
export function targetFromFlink(flinkWithoutLateByPartition: WindowResults, model: ModelOutcome): WindowResults {
  const windows = new Map(flinkWithoutLateByPartition.windows.map((w) => [`${w.key}\u0000${w.start}\u0000${w.end}`, w]));
  for (const missed of model.windowsMissedOnlyByPartition) {
    if (model.lateOnlyByPartition.has(missed.record.id)) continue;
    const id = `${missed.record.key}\u0000${missed.start}\u0000${missed.end}`;
    const w = windows.get(id);
    if (w === undefined) throw new Error(`Flink has no window ${id} for record ${missed.record.id}, which the model puts in it`);
    if (w.count === 1) windows.delete(id);
    else windows.set(id, { ...w, sum: w.sum - missed.record.value, count: w.count - 1 });
  }
  return { windows: [...windows.values()], late: [...flinkWithoutLateByPartition.late, ...model.lateOnlyByPartition] };
}

/** The workload without the given records: what Flink is run on so that its answer is the engine's target. */
export function withoutRecords(workload: Workload, ids: ReadonlySet<string>, id: string): Workload {
  return { ...workload, id, records: workload.records.filter((r) => !ids.has(r.id)) };
}
