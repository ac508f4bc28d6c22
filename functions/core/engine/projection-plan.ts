import type { ChangeEvent } from '../cdc/change-event.js';
import type { Json, ProjectionBody, RollupBody } from '../state/state-items.js';
import { itemIds } from '../state/table-layout.js';
import type { ProjectionView } from './definition.js';
import { ProcessingError } from './errors.js';
import { toJson } from './json-value.js';
import type { PreparedRecord } from './prepared-record.js';
import type { WorkingSet } from './working-set.js';

type Row = { [column: string]: Json };
type Rollup = NonNullable<ProjectionView<unknown>['rollups']>[number];

/** Applies a change if it is newer than what the key holds; older changes are no-ops. */
export function applyChange(view: ProjectionView<unknown>, change: ChangeEvent, prepared: PreparedRecord, working: WorkingSet, now: number): void {
  const entry = working.touch(itemIds.projection(view.name, change.key));
  const current = entry.body as ProjectionBody | null;
  if (current !== null && BigInt(current.position) >= change.position) return;
  const oldRow = current?.row ?? null;
  // Columns the source could not send keep the value the row already had.
  const kept = oldRow === null ? {} : Object.fromEntries((change.unchangedColumns ?? []).filter((c) => c in oldRow).map((c) => [c, oldRow[c]]));
  const newRow = change.op === 'upsert' && change.row !== null ? ({ ...(toJson(change.row) as Row), ...kept } as Row) : null;
  for (const rollup of view.rollups ?? []) {
    if (oldRow !== null) adjustRollup(view.name, rollup, oldRow, -1, prepared, working);
    if (newRow !== null) adjustRollup(view.name, rollup, newRow, +1, prepared, working);
  }
  entry.body = {
    kind: 'projection',
    view: view.name,
    key: change.key,
    row: newRow,
    position: change.position.toString(),
    positionKind: change.positionKind,
    updatedAt: now,
  };
  entry.dirty = true;
}

function adjustRollup(viewName: string, rollup: Rollup, row: Readonly<Record<string, unknown>>, sign: 1 | -1, prepared: PreparedRecord, working: WorkingSet): void {
  const group = rollup.group(row);
  if (group === undefined) return;
  const { topic, partition, offset } = prepared.record;
  const entry = working.touch(itemIds.rollup(viewName, rollup.name, group, topic, partition));
  const stored = entry.body as RollupBody | null;
  // The share is written before the projection's row: after a crash in between it holds this change
  // already, while the row does not, so the change is applied to the row again but not to the share.
  if (stored !== null && stored.applied >= offset) return;
  const body: RollupBody = stored ?? { kind: 'rollup', view: viewName, rollup: rollup.name, group, topic, partition, applied: -1, measures: {}, rows: 0 };
  const measures: Record<string, number> = { ...body.measures };
  for (const [name, value] of Object.entries(rollup.measures(row))) {
    if (!Number.isFinite(value)) throw new ProcessingError(`rollup '${rollup.name}' measure '${name}' is ${value}`);
    measures[name] = (measures[name] ?? 0) + sign * value;
  }
  entry.body = { ...body, measures, rows: body.rows + sign };
  entry.dirty = true;
}
