import type { WindowEmission, WindowEmitter } from '../emit/window-emitter.js';
import type { CheckpointBody, FinalWindowsBody, Json, WindowPaneBody } from '../state/state-items.js';
import type { ItemWrite, StateStore, StoredItem } from '../state/state-store.js';
import { idKey, itemIds, paneSliceOf, type ItemId } from '../state/table-layout.js';
import type { ProcessorDefinition } from './definition.js';
import { partitionWatermark } from './watermark.js';
import { toJson } from './json-value.js';
import { emissionFor } from './window-emission.js';
import { FinalWindowsSeen } from './final-windows-seen.js';
import { byPlace, isSliced, latestSeal, sliceDueAt, slicesOfWindow, sliceWidth, windowsOfSlice, withoutTtl, type SlicedWindowView } from './window-slices.js';
import { closesAt, type WindowBounds } from './windows.js';

/**
 * Closing the windows of sliced views: a window's result is the merge of
 * the panes of every partition over the slices it spans. Partitions never
 * wait for each other: a partition whose own watermark has passed the
 * window's close can add nothing more to it (anything it gets for the
 * window is late), so its panes are read as they are. A partition behind
 * the processor's watermark, because it was idle, could still add to a
 * pane after it was read; its panes are sealed first, with a condition on
 * the revision read, so that from then on it counts records only towards
 * later windows, and it gets a sealed empty pane where it has none yet.
 */

export interface PaneCloserDeps {
  readonly definition: ProcessorDefinition;
  readonly store: StateStore;
  readonly emitter?: WindowEmitter;
  readonly checkpoints: readonly CheckpointBody[];
  readonly now: number;
  /** Stop starting windows once this returns true; what is left stays due. */
  readonly outOfTime: () => boolean;
  /** Windows this process knows are final, kept across invocations. @default a new, empty one */
  readonly seen?: FinalWindowsSeen;
}

export interface PaneCloseResult {
  readonly closed: number;
  readonly emitted: number;
}

/** How long a sealed empty pane outlives its windows: it only has to outlast a stray writer of an idle partition. */
const SEAL_TTL_SECONDS = 7 * 24 * 3600;
/** Room per result part, well inside DynamoDB's 400 KB item limit. */
const PART_BYTES = 300_000;
const MAX_ATTEMPTS = 5;

/** Closes every window of a sliced view that spans a due pane and is not final yet, then retires the slices all of whose windows are. */
export async function closeDuePanes(paneIds: readonly ItemId[], watermark: number, deps: PaneCloserDeps): Promise<PaneCloseResult> {
  const { definition, store } = deps;
  const seen = deps.seen ?? new FinalWindowsSeen();
  const finalKey = (view: SlicedWindowView, window: WindowBounds): string => idKey(itemIds.finalWindows(view.name, window.start, window.end, 0));
  const slices = new Map<string, { view: SlicedWindowView; sliceStart: number }>();
  const candidates = new Map<string, { view: SlicedWindowView; window: WindowBounds }>();
  for (const id of paneIds) {
    const { view: name, sliceStart } = paneSliceOf(id);
    const view = definition.views.find((v): v is SlicedWindowView => v.kind === 'window' && v.name === name && isSliced(v));
    if (view === undefined) continue;
    slices.set(`${view.name}\u0000${sliceStart}`, { view, sliceStart });
    for (const window of windowsOfSlice(view.window, sliceStart)) {
      if (closesAt(window.end, view.allowedLatenessMs ?? 0) > watermark) continue;
      candidates.set(finalKey(view, window), { view, window });
    }
  }
  // A slice's panes stay due while its later windows are open (a hopping view's): its earlier windows are
  // final by then, and a process that has seen them final does not read them again.
  const unknown = [...candidates].filter(([key]) => !seen.has(key)).map(([, c]) => itemIds.finalWindows(c.view.name, c.window.start, c.window.end, 0));
  for (const key of (await store.read(unknown)).keys()) seen.add(key);
  const ordered = [...candidates]
    .filter(([key]) => !seen.has(key))
    .map(([, c]) => c)
    .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
  let closed = 0;
  let emitted = 0;
  // Views share nothing (their panes, results and announcement groups are their own), so each closes its
  // windows, oldest first, beside the others: an invocation waits for the longest view, not for all of them.
  const byView = new Map<string, Array<{ view: SlicedWindowView; window: WindowBounds }>>();
  for (const candidate of ordered) byView.set(candidate.view.name, [...(byView.get(candidate.view.name) ?? []), candidate]);
  await settleAll(
    [...byView.values()].map(async (windows) => {
      for (const { view, window } of windows) {
        if (deps.outOfTime()) break;
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
          const result = await closeWindow(view, window, deps);
          if (result === 'conflict') continue;
          if (result.final) seen.add(finalKey(view, window));
          closed += result.closed;
          emitted += result.emitted;
          break;
        }
      }
    }),
  );
  // Only once every window spanning a slice is final: a window closed out of order (an earlier one lost
  // its conditions this run) must not lose the slice under it.
  const retiring = [...slices.values()].filter(({ view, sliceStart }) => windowsOfSlice(view.window, sliceStart).every((w) => seen.has(finalKey(view, w))));
  await settleAll(retiring.map(({ view, sliceStart }) => retireSlice(view, sliceStart, deps)));
  return { closed, emitted };
}

/** Closes one window; `final` when its result is known to be stored (written here, or found written). */
async function closeWindow(view: SlicedWindowView, window: WindowBounds, deps: PaneCloserDeps): Promise<(PaneCloseResult & { final: boolean }) | 'conflict'> {
  const { store, definition } = deps;
  const slices = slicesOfWindow(view.window, window);
  const panes = (await Promise.all(slices.map((start) => store.readPartition(itemIds.windowPane(view.name, start, '', 0).pk)))).flat();
  const seals = await sealBehind(view, window, slices, panes, deps);
  if (seals === 'conflict') return 'conflict';
  // Read again only when seals were written: without any, every partition's watermark has passed the
  // window's close, so none can add to what was read.
  const sealed = seals === 0 ? panes : (await Promise.all(slices.map((start) => store.readPartition(itemIds.windowPane(view.name, start, '', 0).pk)))).flat();
  // Another closer may have closed the window while these panes were read, and begun deleting them:
  // it writes the result before it deletes anything, so a result absent now means the panes read were
  // whole. Without this, a late closer would announce what was left of a window under its id.
  const finalId = itemIds.finalWindows(view.name, window.start, window.end, 0);
  if ((await store.read([finalId])).has(idKey(finalId))) return { closed: 0, emitted: 0, final: true };
  const results = new Map<string, { acc: Json; count: number }>();
  // Merged results are stored and announced as JSON: a merge that returns something else fails here, before anything is announced.
  const merge = (a: unknown, b: unknown): Json => toJson(view.aggregate.merge.call(view.aggregate, a, b));
  for (const pane of sealed.map((item) => item.body as WindowPaneBody).sort(byPlace)) {
    for (const key of Object.keys(pane.keys).sort()) {
      for (const [fromEnd, acc, count] of pane.keys[key] ?? []) {
        if (fromEnd > window.end) continue;
        const current = results.get(key);
        results.set(key, current === undefined ? { acc: structuredClone(acc), count } : { acc: merge(current.acc, acc), count: current.count + count });
      }
    }
  }
  // A window with nothing in it still gets its (empty) result item: that is what says it is closed,
  // which retiring its slices waits for.
  const keys = [...results.keys()].sort();
  const parts = partition(keys, (key) => JSON.stringify(results.get(key)).length + key.length + 16);
  const partOf = new Map(parts.flatMap((keysOfPart, part) => keysOfPart.map((key) => [key, part] as const)));
  const emissions: WindowEmission[] = [];
  for (const key of keys) {
    const { acc, count } = results.get(key) as { acc: Json; count: number };
    const emission = emissionFor(definition.name, view, key, { start: window.start, end: window.end, acc, count }, itemIds.finalWindows(view.name, window.start, window.end, partOf.get(key) ?? 0));
    if (emission !== undefined) emissions.push(emission);
  }
  // Announced before the result is stored: a close retried after a crash announces again under the same deduplication id.
  if (emissions.length > 0 && deps.emitter !== undefined) await deps.emitter.emit(emissions);

  const body = (part: number): FinalWindowsBody => ({
    kind: 'final-windows',
    view: view.name,
    start: window.start,
    end: window.end,
    part,
    parts: parts.length,
    results: Object.fromEntries((parts[part] ?? []).map((key) => {
      const { acc, count } = results.get(key) as { acc: Json; count: number };
      return [key, { result: acc, count }];
    })),
    closedAt: deps.now,
  });
  // Part 0 last: its presence is what says the window is final. A closer racing
  // this one writes the same parts from the same sealed panes, so losing is fine.
  let written = false;
  for (let part = parts.length - 1; part >= 0; part -= 1) {
    written = await store.write({ id: itemIds.finalWindows(view.name, window.start, window.end, part), expectedRev: 0, body: body(part) });
  }
  // Part 0 lost its condition: a racing closer wrote it first, which a read confirms.
  const final = written || (await store.read([finalId])).has(idKey(finalId));
  return { closed: 1, emitted: deps.emitter === undefined ? 0 : emissions.length, final };
}

/**
 * Seals, for every partition whose own watermark has not passed the
 * window's close, its pane of each slice of the window (or an empty sealed
 * pane in its place): how many it sealed, or 'conflict' when a partition
 * wrote one since it was read. A pane in parts is sealed in every part,
 * and when its newest part is full the part after it is written sealed
 * and empty: the partition starts that part next, and the write it makes
 * then, expecting it absent, is what the seal's condition has to stop.
 */
async function sealBehind(view: SlicedWindowView, window: WindowBounds, slices: readonly number[], panes: readonly StoredItem[], deps: PaneCloserDeps): Promise<number | 'conflict'> {
  const closeAt = closesAt(window.end, view.allowedLatenessMs ?? 0);
  const writes: ItemWrite[] = [];
  for (const { topic, partition } of behind(closeAt, deps)) {
    for (const start of slices) {
      const parts = panes
        .filter((p) => {
          const pane = p.body as WindowPaneBody;
          return pane.start === start && pane.topic === topic && pane.partition === partition;
        })
        .sort((a, b) => byPlace(a.body as WindowPaneBody, b.body as WindowPaneBody));
      const newest = parts.at(-1)?.body as WindowPaneBody | undefined;
      if (newest === undefined || (newest.full === true && (newest.sealedThrough ?? Number.NEGATIVE_INFINITY) < window.end)) {
        const part = newest === undefined ? 0 : (newest.part ?? 0) + 1;
        const empty: WindowPaneBody = {
          kind: 'window-pane',
          view: view.name,
          topic,
          partition,
          start,
          end: start + sliceWidth(view.window),
          applied: -1,
          keys: {},
          ids: {},
          sealedThrough: window.end,
          ...(part === 0 ? {} : { part }),
        };
        writes.push({ id: itemIds.windowPane(view.name, start, topic, partition, part), expectedRev: 0, body: empty, expiresAt: Math.ceil(deps.now / 1000) + SEAL_TTL_SECONDS });
      }
      for (const found of parts) {
        const pane = found.body as WindowPaneBody;
        if ((pane.sealedThrough ?? Number.NEGATIVE_INFINITY) >= window.end) continue;
        if (isEmpty(pane)) {
          // A sealed empty pane sealed again: nothing to close, so not in the open-windows index; it only has to outlast a stray write.
          writes.push({ id: found.id, expectedRev: found.rev, body: { ...withoutTtl(pane), sealedThrough: window.end }, expiresAt: Math.ceil(deps.now / 1000) + SEAL_TTL_SECONDS });
        } else {
          // Still due for its later windows: it keeps its place in the open-windows index.
          writes.push({ id: found.id, expectedRev: found.rev, body: { ...withoutTtl(pane), sealedThrough: window.end }, closesAt: sliceDueAt(view, start) });
        }
      }
    }
  }
  const written = await Promise.all(writes.map((w) => deps.store.write(w)));
  return written.every(Boolean) ? writes.length : 'conflict';
}

/** The input partitions whose own watermark is below `closeAt`: idle ones the processor's watermark went past. */
function behind(closeAt: number, deps: PaneCloserDeps): Array<{ topic: string; partition: number }> {
  const outOfOrderness = deps.definition.watermark?.outOfOrdernessMs ?? 0;
  const byPartition = new Map(deps.checkpoints.map((c) => [`${c.topic}#${c.partition}`, c]));
  const found: Array<{ topic: string; partition: number }> = [];
  for (const topic of deps.definition.input.topics) {
    for (let partition = 0; partition < topic.partitions; partition += 1) {
      const watermark = partitionWatermark(byPartition.get(`${topic.name}#${partition}`)?.maxEventTime ?? null, outOfOrderness);
      if (watermark < closeAt) found.push({ topic: topic.name, partition });
    }
  }
  return found;
}

/**
 * A slice whose every window is final serves nothing: its panes are
 * deleted, except the sealed pane of an idle partition, which stays empty
 * and sealed until its TTL so that a stray write of that partition cannot
 * start the slice again. A sealed pane in parts keeps every part so, full
 * ones still full: a partition that read them before the seal expects the
 * part after them absent, and must find it there, sealed. An unsealed
 * pane's parts go newest first, so that a crash in between leaves no part
 * that a partition reading from the first would not find.
 */
async function retireSlice(view: SlicedWindowView, sliceStart: number, deps: PaneCloserDeps): Promise<void> {
  const pk = itemIds.windowPane(view.name, sliceStart, '', 0).pk;
  const shares = new Map<string, StoredItem[]>();
  for (const item of await deps.store.readPartition(pk)) {
    const { topic, partition } = item.body as WindowPaneBody;
    const share = `${topic}\u0000${partition}`;
    shares.set(share, [...(shares.get(share) ?? []), item]);
  }
  await Promise.all(
    [...shares.values()].map(async (parts) => {
      const sealed = latestSeal(parts.map((item) => item.body as WindowPaneBody));
      if (sealed !== undefined) {
        // Sealed: left empty, out of the open-windows index, until its TTL.
        const sealedThrough = Math.max(sealed, sliceStart + view.window.sizeMs);
        await Promise.all(
          parts.map((item) =>
            deps.store.write({
              id: item.id,
              expectedRev: item.rev,
              body: { ...withoutTtl(item.body as WindowPaneBody), keys: {}, ids: {}, sealedThrough },
              expiresAt: Math.ceil(deps.now / 1000) + SEAL_TTL_SECONDS,
            }),
          ),
        );
        return;
      }
      const newestFirst = [...parts].sort((a, b) => ((b.body as WindowPaneBody).part ?? 0) - ((a.body as WindowPaneBody).part ?? 0));
      for (const item of newestFirst) await deps.store.write({ id: item.id, expectedRev: item.rev, body: null });
    }),
  );
}

/**
 * Waits for every promise, then throws the first failure: a run that fails
 * must not leave another view's closing running after it has returned.
 */
async function settleAll(promises: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

function isEmpty(pane: WindowPaneBody): boolean {
  return Object.keys(pane.keys).length === 0 && Object.keys(pane.ids).length === 0;
}


/** Keys in order, cut into parts of at most PART_BYTES each (a key larger than that gets a part of its own). */
function partition(keys: readonly string[], size: (key: string) => number): string[][] {
  const parts: string[][] = [[]];
  let used = 0;
  for (const key of keys) {
    const bytes = size(key);
    const current = parts.at(-1) as string[];
    if (current.length > 0 && used + bytes > PART_BYTES) {
      parts.push([key]);
      used = bytes;
    } else {
      current.push(key);
      used += bytes;
    }
  }
  return parts;
}
