import type { StateBody, WindowPaneBody } from '../state/state-items.js';
import type { WindowResult } from '../state/state-items.js';
import { finalWindowResults } from '../state/window-results.js';
import type { ProcessorDefinition } from './definition.js';
import { byPlace, isSliced, windowsOfSlice, type SlicedWindowView } from './window-slices.js';

/**
 * The windows not closed yet, with what they hold so far: a per-key item's
 * open windows as they are, and each window of a sliced view merged from
 * every partition's panes over its slices, as the closer will merge them.
 * This is what a serving read of a window still open returns.
 */
export function openWindowResults(definition: ProcessorDefinition, items: readonly StateBody[]): WindowResult[] {
  const results: WindowResult[] = [];
  // A pane outlives the first windows it feeds: a window already final is not open, whatever its panes still say.
  const final = new Set(finalWindowResults(items).map((w) => `${w.view}\u0000${w.key}\u0000${w.start}`));
  const merged = new Map<string, { view: string; key: string; start: number; end: number; acc: unknown; count: number }>();
  const panes = items.filter((item): item is WindowPaneBody => item.kind === 'window-pane').sort(byPlace);
  for (const item of items) {
    if (item.kind !== 'key-windows') continue;
    for (const w of item.windows) results.push({ view: item.view, key: item.key, start: w.start, end: w.end, result: w.acc, count: w.count });
  }
  for (const pane of panes) {
    const view = definition.views.find((v): v is SlicedWindowView => v.kind === 'window' && v.name === pane.view && isSliced(v));
    if (view === undefined) continue;
    const windows = windowsOfSlice(view.window, pane.start);
    for (const [key, partials] of Object.entries(pane.keys)) {
      for (const [fromEnd, acc, count] of partials) {
        for (const window of windows.filter((w) => w.end >= fromEnd)) {
          const id = `${view.name}\u0000${key}\u0000${window.start}`;
          if (final.has(id)) continue;
          const current = merged.get(id);
          merged.set(id, current === undefined
            ? { view: view.name, key, start: window.start, end: window.end, acc: structuredClone(acc), count }
            : { ...current, acc: view.aggregate.merge.call(view.aggregate, current.acc, acc), count: current.count + count });
        }
      }
    }
  }
  for (const w of merged.values()) results.push({ view: w.view, key: w.key, start: w.start, end: w.end, result: w.acc as WindowResult['result'], count: w.count });
  return results;
}
