import type { StateBody, WindowResult } from './state-items.js';

/**
 * Reading window views back from a processor's items, whichever way a view
 * keeps them: per key (key-windows items, one final-window item per closed
 * window) or in per-partition panes (window-pane items, one final-windows
 * item per closed window holding every key). For serving reads,
 * reconciliation and tests.
 */

/** Every closed window's result, one entry per view, key and window; a window whose parts are not all written yet is not closed. */
export function finalWindowResults(items: readonly StateBody[]): WindowResult[] {
  const results: WindowResult[] = [];
  // A window kept in parts is final once its part 0 is written, which the closer writes last.
  const complete = new Set(items.flatMap((item) => (item.kind === 'final-windows' && item.part === 0 ? [`${item.view}\u0000${item.start}\u0000${item.end}`] : [])));
  for (const item of items) {
    if (item.kind === 'final-windows' && !complete.has(`${item.view}\u0000${item.start}\u0000${item.end}`)) continue;
    if (item.kind === 'final-window') {
      results.push({ view: item.view, key: item.key, start: item.start, end: item.end, result: item.result, count: item.count });
    } else if (item.kind === 'final-windows') {
      for (const [key, { result, count }] of Object.entries(item.results)) {
        results.push({ view: item.view, key, start: item.start, end: item.end, result, count });
      }
    }
  }
  return results;
}

/** State not closed yet: per view and key, how many records still wait in open windows or panes. */
export function openWindowRecords(items: readonly StateBody[]): Array<{ readonly view: string; readonly key: string; readonly records: number }> {
  const open: Array<{ view: string; key: string; records: number }> = [];
  for (const item of items) {
    if (item.kind === 'key-windows' && item.windows.length > 0) {
      open.push({ view: item.view, key: item.key, records: item.windows.reduce((n, w) => n + w.count, 0) });
    } else if (item.kind === 'window-pane') {
      for (const [key, partials] of Object.entries(item.keys)) {
        open.push({ view: item.view, key, records: partials.reduce((n, [, , count]) => n + count, 0) });
      }
    }
  }
  return open;
}
