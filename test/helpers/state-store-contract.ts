import { describe, expect, it } from 'vitest';
import type { CheckpointBody, KeyWindowsBody, StateBody, WindowPaneBody } from '../../functions/core/state/state-items.js';
import type { StateStore } from '../../functions/core/state/state-store.js';
import { idKey, itemIds } from '../../functions/core/state/table-layout.js';

const checkpoint = (offset: number, partition = 0): CheckpointBody => ({ kind: 'checkpoint', topic: 'orders', partition, offset, maxEventTime: 1_000 + offset, lastActivityAt: 5 });
const pane = (partition: number, applied: number): WindowPaneBody => ({
  kind: 'window-pane', view: 'revenue', topic: 'orders', partition, start: 60_000, end: 120_000, applied,
  keys: { 'store-1': [[120_000, { total: 3 }, 2]] }, ids: { 'evt-1': 4 },
});
const keyWindows = (key: string): KeyWindowsBody => ({ kind: 'key-windows', view: 'revenue', key, windows: [{ start: 0, end: 60_000, acc: { total: 12.5, ids: ['a', 'b'] }, count: 2 }], closedThrough: null });

/**
 * The conditional semantics the engine's exactly-once argument rests on,
 * run against every StateStore: the in-memory one in the unit suite and the
 * DynamoDB adapter against DynamoDB Local in the integration suite.
 */
export function describeStateStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`${name}: the StateStore contract`, () => {
    it('reads back what a commit wrote, with revision 1, and nothing for absent ids', async () => {
      const store = await makeStore();
      const id = itemIds.checkpoint('orders', 0);
      expect(await store.commit([{ id, expectedRev: 0, body: checkpoint(7) }])).toEqual({ committed: true });

      const found = await store.read([id, itemIds.meta()]);

      expect(found.size).toBe(1);
      expect(found.get(idKey(id))).toEqual({ id, rev: 1, body: checkpoint(7) });
    });

    it('rejects creating an item that exists, and names it', async () => {
      const store = await makeStore();
      const id = itemIds.checkpoint('orders', 0);
      await store.commit([{ id, expectedRev: 0, body: checkpoint(1) }]);

      expect(await store.commit([{ id, expectedRev: 0, body: checkpoint(2) }])).toEqual({ committed: false, conflicts: [id] });
    });

    it('applies all writes or none: one stale revision cancels the whole transaction', async () => {
      // Prepare
      const store = await makeStore();
      const a = itemIds.checkpoint('orders', 0);
      const b = itemIds.keyWindows('revenue', 'store-1');
      await store.commit([{ id: a, expectedRev: 0, body: checkpoint(1) }]);
      await store.commit([{ id: a, expectedRev: 1, body: checkpoint(2) }]);

      // Act: a zombie that read revision 1 of the checkpoint
      const outcome = await store.commit([
        { id: b, expectedRev: 0, body: keyWindows('store-1') },
        { id: a, expectedRev: 1, body: checkpoint(99) },
      ]);

      // Assess
      expect(outcome).toEqual({ committed: false, conflicts: [a] });
      const found = await store.read([a, b]);
      expect(found.get(idKey(a))?.body).toEqual(checkpoint(2));
      expect(found.has(idKey(b))).toBe(false);
    });

    it('advances the revision on every write and deletes conditionally', async () => {
      const store = await makeStore();
      const id = itemIds.dedup('evt-1');
      const body: StateBody = { kind: 'dedup', eventId: 'evt-1', expiresAt: 2_000_000_000 };
      await store.commit([{ id, expectedRev: 0, body, expiresAt: 2_000_000_000 }]);
      await store.commit([{ id, expectedRev: 1, body }]);
      expect((await store.read([id])).get(idKey(id))?.rev).toBe(2);

      expect(await store.commit([{ id, expectedRev: 1, body: null }])).toEqual({ committed: false, conflicts: [id] });
      expect(await store.commit([{ id, expectedRev: 2, body: null }])).toEqual({ committed: true });
      expect((await store.read([id])).size).toBe(0);
    });

    it('lists every checkpoint', async () => {
      const store = await makeStore();
      await store.commit([0, 1, 2].map((p) => ({ id: itemIds.checkpoint('orders', p), expectedRev: 0, body: checkpoint(10 + p, p) })));
      const listed = await store.listCheckpoints();
      expect(listed.map((c) => [c.body.partition, c.body.offset]).sort()).toEqual([[0, 10], [1, 11], [2, 12]]);
    });

    it('finds key-window items by closing time, and forgets them once nothing is open', async () => {
      // Prepare
      const store = await makeStore();
      const early = itemIds.keyWindows('revenue', 'store-1');
      const late = itemIds.keyWindows('revenue', 'store-2');
      await store.commit([
        { id: early, expectedRev: 0, body: keyWindows('store-1'), closesAt: 59_999 },
        { id: late, expectedRev: 0, body: keyWindows('store-2'), closesAt: 119_999 },
      ]);

      // Act / Assess
      expect(await store.findDueKeyWindows(60_000, 10)).toEqual([early]);
      expect(await store.findDueKeyWindows(Number.POSITIVE_INFINITY, 10)).toEqual([early, late]);
      await store.commit([{ id: early, expectedRev: 1, body: { ...keyWindows('store-1'), windows: [], closedThrough: 60_000 } }]);
      expect(await store.findDueKeyWindows(Number.POSITIVE_INFINITY, 10)).toEqual([late]);
    });

    it('writes one item alone on the same conditions, reporting a lost one as false and writing nothing', async () => {
      // Prepare
      const store = await makeStore();
      const id = itemIds.windowPane('revenue', 60_000, 'orders', 3);

      // Act / Assess
      expect(await store.write({ id, expectedRev: 0, body: pane(3, 10), closesAt: 119_999 })).toBe(true);
      expect(await store.write({ id, expectedRev: 0, body: pane(3, 11) })).toBe(false);
      expect(await store.write({ id, expectedRev: 2, body: pane(3, 11) })).toBe(false);
      expect((await store.read([id])).get(idKey(id))).toEqual({ id, rev: 1, body: pane(3, 10) });
      expect(await store.findDueKeyWindows(120_000, 10)).toEqual([id]);
      expect(await store.write({ id, expectedRev: 1, body: null })).toBe(true);
      expect((await store.read([id])).size).toBe(0);
    });

    it('reads every item under one partition key, and only those', async () => {
      // Prepare
      const store = await makeStore();
      const ids = [2, 0, 1].map((p) => itemIds.windowPane('revenue', 60_000, 'orders', p));
      const other = itemIds.windowPane('revenue', 120_000, 'orders', 0);
      await store.commit([...ids, other].map((id, n) => ({ id, expectedRev: 0, body: pane(n, n) })));

      // Act
      const found = await store.readPartition(ids[0]?.pk ?? '');

      // Assess
      expect(found.map((item) => item.id.sk)).toEqual(['orders#0', 'orders#1', 'orders#2']);
      expect(found.every((item) => item.rev === 1)).toBe(true);
      expect(await store.readPartition('WP#nothing')).toEqual([]);
    });

    it('keeps nested JSON state exactly', async () => {
      const store = await makeStore();
      const id = itemIds.projection('stock', '["SKU-1","store-7"]');
      const body: StateBody = {
        kind: 'projection', view: 'stock', key: '["SKU-1","store-7"]',
        row: { sku: 'SKU-1', quantity: -3, price: 19.99, tags: ['a', ''], nested: { ok: true, none: null } },
        position: '18446744073709551615', positionKind: 'postgres-lsn', updatedAt: 1,
      };
      await store.commit([{ id, expectedRev: 0, body }]);
      expect((await store.read([id])).get(idKey(id))?.body).toEqual(body);
    });
  });
}
