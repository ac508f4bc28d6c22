import type { ChangeEvent } from '../cdc/change-event.js';
import type { WindowPaneBody } from '../state/state-items.js';
import type { StoredItem } from '../state/state-store.js';
import { idKey, isWindowPane, itemIds, type ItemId } from '../state/table-layout.js';
import { needsDedupMarker } from './dedup-markers.js';
import type { ProcessorDefinition, ProjectionView } from './definition.js';
import type { PreparedRecord } from './prepared-record.js';
import { isSliced, sliceOf } from './window-slices.js';

/** Parts read ahead at once when a share has more than one, so a cold read of a large share takes few round trips. */
const PART_READ_AHEAD = 8;

/** The items a record touches that can be named without reading anything. */
export function directIds(definition: ProcessorDefinition, prepared: PreparedRecord): ItemId[] {
  if (prepared.failure !== undefined) return [];
  const { record } = prepared;
  const ids: ItemId[] = [];
  if (prepared.eventId !== undefined && needsDedupMarker(definition, prepared)) ids.push(itemIds.dedup(prepared.eventId));
  definition.views.forEach((view, index) => {
    const target = prepared.perView[index];
    if (target === undefined) return;
    if (view.kind === 'projection') ids.push(...projectionIds(view, target as ChangeEvent, record));
    else if (isSliced(view)) ids.push(itemIds.windowPane(view.name, sliceOf(view.window, prepared.eventTime ?? 0).start, record.topic, record.partition));
    else ids.push(itemIds.keyWindows(view.name, target as string));
  });
  return ids;
}

/** A change's row, and its partition's share of each rollup group the new row is in. */
function projectionIds(view: ProjectionView<unknown>, change: ChangeEvent, record: PreparedRecord['record']): ItemId[] {
  const ids = [itemIds.projection(view.name, change.key)];
  if (change.row === null) return ids;
  for (const rollup of view.rollups ?? []) {
    // Only a prefetch: a group that throws here (say, on a delete's key-only
    // before image) fails the record in the fold, never the whole partition.
    let group: string | undefined;
    try {
      group = rollup.group(change.row);
    } catch {
      continue;
    }
    if (group !== undefined) ids.push(itemIds.rollup(view.name, rollup.name, group, record.topic, record.partition));
  }
  return ids;
}

/**
 * Once a plan found items unread, every id the chunk needs, so that one
 * more read suffices: those found missing, the items the chunk's records
 * name, and for each pane read so far in parts, the next parts of it too.
 */
export function idsToRead(
  chunk: { readonly definition: ProcessorDefinition; readonly records: readonly PreparedRecord[]; readonly state: ReadonlyMap<string, StoredItem>; readonly readKeys: ReadonlySet<string> },
  missing: ReadonlyMap<string, ItemId>,
): ItemId[] {
  const needed = new Map(missing);
  const need = (id: ItemId): void => {
    if (!chunk.readKeys.has(idKey(id))) needed.set(idKey(id), id);
  };
  const shares = new Set<string>();
  for (const prepared of chunk.records) {
    for (const id of directIds(chunk.definition, prepared)) {
      need(id);
      if (!isWindowPane(id) || shares.has(idKey(id))) continue;
      shares.add(idKey(id));
      const pane = chunk.state.get(idKey(id))?.body as WindowPaneBody | undefined;
      if (pane?.full !== true) continue;
      const next = nextUnreadPart(chunk, pane);
      if (next === undefined) continue;
      for (let part = next; part < next + PART_READ_AHEAD; part += 1) need(itemIds.windowPane(pane.view, pane.start, pane.topic, pane.partition, part));
    }
  }
  return [...needed.values()];
}

/** The first part of a share not read yet, walking its parts read and full from the first; undefined when the share's last part was read. */
function nextUnreadPart(chunk: { readonly state: ReadonlyMap<string, StoredItem>; readonly readKeys: ReadonlySet<string> }, first: WindowPaneBody): number | undefined {
  for (let part = 1; ; part += 1) {
    const key = idKey(itemIds.windowPane(first.view, first.start, first.topic, first.partition, part));
    if (!chunk.readKeys.has(key)) return part;
    if ((chunk.state.get(key)?.body as WindowPaneBody | undefined)?.full !== true) return undefined;
  }
}
