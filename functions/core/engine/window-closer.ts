import type { WindowEmission, WindowEmitter } from '../emit/window-emitter.js';
import type { FinalWindowBody, KeyWindowsBody, ProcessorMetaBody } from '../state/state-items.js';
import { TRANSACTION_LIMITS, type ItemWrite, type StateStore } from '../state/state-store.js';
import { StateStoreUnavailableError } from '../state/errors.js';
import { idKey, isWindowPane, itemIds, type ItemId } from '../state/table-layout.js';
import { closeDuePanes } from './pane-closer.js';
import type { FinalWindowsSeen } from './final-windows-seen.js';
import type { ProcessorDefinition, WindowView } from './definition.js';
import { processorWatermark } from './watermark.js';
import { closesAt } from './windows.js';
import { emissionFor } from './window-emission.js';

export interface WindowCloserDeps {
  readonly definition: ProcessorDefinition;
  readonly store: StateStore;
  /** @default none: closed windows are stored but not announced */
  readonly emitter?: WindowEmitter;
  /** @default Date.now */
  readonly now?: () => number;
  /** Most key items closed per run, so one invocation does bounded work. @default 500 */
  readonly maxKeysPerRun?: number;
  /**
   * Time a run may take, in ms: closing stops between batches once it is
   * spent, and what is left stays due for the next run. Keeps an invocation
   * well inside its function timeout when many windows close at once.
   * @default no limit
   */
  readonly budgetMs?: number;
  /** Windows this process knows are final, kept across runs so they are not read again. @default a new, empty one per run */
  readonly seen?: FinalWindowsSeen;
}

export interface CloseResult {
  readonly watermark: number;
  readonly windowsClosed: number;
  readonly emitted: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Closes every window the processor's watermark has passed, whichever key
 * it belongs to, so windows of keys that went quiet still close. A window's
 * result is written once: its final item must not exist yet, and the
 * key's open windows must be as read. Announcements go out before the
 * commit with a deduplication id fixed by the window, so a close that is
 * retried, or raced by another invocation, is announced once.
 */
export async function closeDueWindows(deps: WindowCloserDeps, options: { watermark?: number } = {}): Promise<CloseResult> {
  const now = (deps.now ?? Date.now)();
  const { definition, store } = deps;
  const [listed, startedAt] = await Promise.all([store.listCheckpoints(), options.watermark === undefined ? processorStartedAt(deps) : Promise.resolve(undefined)]);
  const checkpoints = listed.map((c) => c.body);
  const watermark = options.watermark ?? processorWatermark(definition, checkpoints, startedAt, now);
  if (watermark === Number.NEGATIVE_INFINITY) return { watermark, windowsClosed: 0, emitted: 0 };
  const started = Date.now();
  const outOfTime = (): boolean => deps.budgetMs !== undefined && Date.now() - started >= deps.budgetMs;
  const dueItems = await store.findDueKeyWindows(watermark, deps.maxKeysPerRun ?? 500);
  const panes = await closeDuePanes(dueItems.filter(isWindowPane), watermark, {
    definition,
    store,
    emitter: deps.emitter,
    checkpoints,
    now,
    outOfTime,
    seen: deps.seen,
  });
  const keys = await closeKeyItems(dueItems.filter((id) => !isWindowPane(id)), { deps, watermark, closedAt: now, outOfTime });
  return { watermark, windowsClosed: panes.closed + keys.closed, emitted: panes.emitted + keys.emitted };
}

/** A run's closing of key items: what it closes against, and when it must stop. */
interface KeyClosing {
  readonly deps: WindowCloserDeps;
  readonly watermark: number;
  readonly closedAt: number;
  readonly outOfTime: () => boolean;
}

interface Closed {
  readonly closed: number;
  readonly emitted: number;
}

/** Closes key items in batches of ten, each batch tried a few times; what a run leaves stays due for the next. */
async function closeKeyItems(due: readonly ItemId[], closing: KeyClosing): Promise<Closed> {
  let total: Closed = { closed: 0, emitted: 0 };
  // Each key item brings its own writes: itself plus one final item per closing window.
  for (const batch of batches(due, 10)) {
    if (closing.outOfTime()) break;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const result = await closeBatch(batch, closing);
      if (result === 'conflict') continue;
      total = { closed: total.closed + result.closed, emitted: total.emitted + result.emitted };
      break;
    }
  }
  return total;
}

/** Closes the due windows of some key items in one transaction, announcing them first; 'conflict' when it lost a condition. */
async function closeBatch(ids: readonly ItemId[], closing: KeyClosing): Promise<Closed | 'conflict'> {
  const { definition, store, emitter } = closing.deps;
  const found = await store.read(ids);
  const writes: ItemWrite[] = [];
  const emissions: WindowEmission[] = [];
  for (const id of ids) {
    const item = found.get(idKey(id));
    if (item === undefined || item.body.kind !== 'key-windows') continue;
    const body = item.body;
    const view = definition.views.find((v): v is WindowView<unknown, unknown> => v.kind === 'window' && v.name === body.view);
    if (view === undefined) continue;
    const closed = closeKeyWindows({ id, rev: item.rev, body }, view, closing);
    writes.push(...closed.writes);
    emissions.push(...closed.emissions);
  }
  if (writes.length === 0) return { closed: 0, emitted: 0 };
  if (writes.length > TRANSACTION_LIMITS.maxItems && ids.length > 1) return closeOneByOne(ids, closing);
  if (emissions.length > 0 && emitter !== undefined) await emitter.emit(emissions);
  const windowsClosed = writes.filter((w) => w.body?.kind === 'final-window').length;
  try {
    const outcome = await store.commit(writes);
    return outcome.committed ? { closed: windowsClosed, emitted: emitter === undefined ? 0 : emissions.length } : 'conflict';
  } catch (error) {
    if (error instanceof StateStoreUnavailableError) return 'conflict';
    throw error;
  }
}

/** Many windows of few keys: close them one key at a time. */
async function closeOneByOne(ids: readonly ItemId[], closing: KeyClosing): Promise<Closed | 'conflict'> {
  let total: Closed = { closed: 0, emitted: 0 };
  for (const id of ids) {
    const single = await closeBatch([id], closing);
    if (single === 'conflict') return 'conflict';
    total = { closed: total.closed + single.closed, emitted: total.emitted + single.emitted };
  }
  return total;
}

/**
 * The writes that close a key's due windows: a final item per window, and
 * the key item without them. Oldest first, and no more than one
 * transaction holds; the rest stay due for the next round.
 */
function closeKeyWindows(item: { id: ItemId; rev: number; body: KeyWindowsBody }, view: WindowView<unknown, unknown>, closing: KeyClosing): { writes: ItemWrite[]; emissions: WindowEmission[] } {
  const { id, rev, body } = item;
  const { definition } = closing.deps;
  const lateness = view.allowedLatenessMs ?? 0;
  const due = body.windows.filter((w) => closesAt(w.end, lateness) <= closing.watermark).slice(0, TRANSACTION_LIMITS.maxItems - 1);
  if (due.length === 0) return { writes: [], emissions: [] };
  const writes: ItemWrite[] = [];
  const emissions: WindowEmission[] = [];
  for (const window of due) {
    const finalId = itemIds.finalWindow(view.name, body.key, window.start, window.end);
    const final: FinalWindowBody = { kind: 'final-window', view: view.name, key: body.key, start: window.start, end: window.end, result: window.acc, count: window.count, closedAt: closing.closedAt };
    writes.push({ id: finalId, expectedRev: 0, body: final });
    const emission = emissionFor(definition.name, view, body.key, window, finalId);
    if (emission !== undefined) emissions.push(emission);
  }
  const open = body.windows.filter((w) => !due.includes(w));
  const closedThrough = Math.max(body.closedThrough ?? Number.NEGATIVE_INFINITY, ...due.map((w) => w.end));
  writes.push({
    id,
    expectedRev: rev,
    body: { ...body, windows: open, closedThrough },
    ...(open.length === 0 ? {} : { closesAt: Math.min(...open.map((w) => closesAt(w.end, lateness))) }),
  });
  return { writes, emissions };
}

/** When the processor first committed (its meta item), which the idle timeout counts from; it never changes once written. */
async function processorStartedAt(deps: WindowCloserDeps): Promise<number | undefined> {
  const meta = await deps.store.read([itemIds.meta()]);
  return (meta.get(idKey(itemIds.meta()))?.body as ProcessorMetaBody | undefined)?.createdAt;
}

function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
