import { describe, expect, it } from 'vitest';
import type { View } from '../../../functions/core/engine/definition.js';
import { planChunk } from '../../../functions/core/engine/plan-chunk.js';
import { prepareRecord } from '../../../functions/core/engine/prepared-record.js';
import type { KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import type { StoredItem } from '../../../functions/core/state/state-store.js';
import { idKey, itemIds } from '../../../functions/core/state/table-layout.js';
import { batch, decoded, NOW, TOPIC } from './engine-fixtures.js';
import { sale, type Sale, salesProcessor, tumbling } from './plan-chunk-fixtures.js';

describe('planChunk', () => {
  it('asks for every item the chunk names when none was read yet', () => {
    // Prepare
    const definition = salesProcessor([tumbling('per-second')], { dedup: { eventId: (v) => v.id, horizonMs: 60_000 } });
    const records = batch([sale('a', 1000, 1, 'store-1'), sale('b', 1100, 1, 'store-2')]).map((r) => prepareRecord(definition, r));

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records,
      checkpoint: undefined,
      metaExists: false,
      throughOffset: 1,
      state: new Map(),
      readKeys: new Set(),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('needs-reads');
    const ids = plan.kind === 'needs-reads' ? plan.ids.map(idKey).sort() : [];
    expect(ids).toEqual(
      [itemIds.dedup('a'), itemIds.dedup('b'), itemIds.keyWindows('per-second', 'store-1'), itemIds.keyWindows('per-second', 'store-2')].map(idKey).sort(),
    );
  });

  it('conditions each write on the revision read and moves the checkpoint to the offset it is given', () => {
    // Prepare
    const definition = salesProcessor([tumbling('per-second')]);
    const keyId = itemIds.keyWindows('per-second', 'store-1');
    const stored: StoredItem<KeyWindowsBody> = {
      id: keyId,
      rev: 3,
      body: { kind: 'key-windows', view: 'per-second', key: 'store-1', windows: [{ start: 1000, end: 2000, acc: { total: 0, ids: [], merges: 0 }, count: 0 }], closedThrough: null },
    };
    const checkpoint = { id: itemIds.checkpoint(TOPIC, 0), rev: 7, body: { kind: 'checkpoint', topic: TOPIC, partition: 0, offset: 4, maxEventTime: 900, lastActivityAt: 0 } as const };

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records: [prepareRecord(definition, decoded(5, sale('a', 1000)))],
      checkpoint,
      metaExists: true,
      throughOffset: 9,
      state: new Map([[idKey(keyId), stored]]),
      readKeys: new Set([idKey(keyId)]),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('planned');
    if (plan.kind !== 'planned') return;
    expect(plan.writes.map((w) => [w.id.pk, w.expectedRev])).toEqual([
      ['CP', 7],
      [keyId.pk, 3],
    ]);
    expect(plan.checkpoint).toEqual({ kind: 'checkpoint', topic: TOPIC, partition: 0, offset: 9, maxEventTime: 1000, lastActivityAt: NOW });
    expect(plan.writes[1]?.closesAt).toBe(1999);
  });

  it('returns the record as failed, with what its aggregate threw, when a user aggregate throws', () => {
    // Prepare
    const definition = salesProcessor([
      { ...tumbling('per-second'), aggregate: { initial: () => 0, add: () => { throw new Error('refunds are not supported'); } } } as View<Sale>,
    ]);
    const keyId = itemIds.keyWindows('per-second', 'store-1');
    const prepared = prepareRecord(definition, decoded(0, sale('a', 1000)));

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records: [prepared],
      checkpoint: undefined,
      metaExists: true,
      throughOffset: 0,
      state: new Map(),
      readKeys: new Set([idKey(keyId)]),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('record-failed');
    expect(plan.kind === 'record-failed' ? plan.record : undefined).toBe(prepared);
    expect(plan.kind === 'record-failed' ? plan.error.message : undefined).toBe('refunds are not supported');
  });
});
