import { describe, expect, it } from 'vitest';
import { toCents } from '../../../functions/order-analytics/definition.js';
import { planWorkload, type WorkloadStep } from '../../../scripts/local/pipeline/workload.js';

const START = Date.parse('2026-11-22T09:00:00.000Z');
type Kind = WorkloadStep['kind'];
const ofKind = <K extends Kind>(steps: WorkloadStep[], kind: K) => steps.filter((s): s is Extract<WorkloadStep, { kind: K }> => s.kind === kind);

describe('the retail workload plan', () => {
  const steps = planWorkload({ events: 20_000, startAt: START, seed: 7 });

  it('is the same plan for the same seed, and another for another seed', () => {
    expect(planWorkload({ events: 500, startAt: START, seed: 7 })).toEqual(planWorkload({ events: 500, startAt: START, seed: 7 }));
    expect(planWorkload({ events: 500, startAt: START, seed: 8 })).not.toEqual(planWorkload({ events: 500, startAt: START, seed: 7 }));
  });

  it('mixes orders of all three schema versions, movements, repeats, corrections, late events and poison records', () => {
    const orders = ofKind(steps, 'order');
    expect(orders.length).toBeGreaterThan(7_000);
    expect(new Set(orders.map((o) => o.schemaVersion))).toEqual(new Set([1, 2, 3]));
    expect(ofKind(steps, 'movement').length).toBeGreaterThan(12_000);
    expect(ofKind(steps, 'order-republish').length).toBeGreaterThan(200);
    expect(ofKind(steps, 'movement-update').length + ofKind(steps, 'movement-delete').length).toBeGreaterThan(300);
    expect(orders.filter((o) => o.late).length).toBeGreaterThan(10);
    expect(ofKind(steps, 'poison').length).toBeGreaterThan(10);
  });

  it('writes orders whose total is the sum of their lines, exactly', () => {
    for (const { order } of ofKind(steps, 'order')) {
      expect(toCents(order.total)).toBe(order.lines.reduce((sum, l) => sum + toCents(l.unitPrice) * l.quantity, 0));
    }
  });

  it('keeps on-time events within the out-of-orderness and puts late ones ten minutes behind', () => {
    ofKind(steps, 'order').forEach(({ order, late }, i, all) => {
      const previous = all[i - 1];
      if (previous === undefined || late || previous.late) return;
      expect(Math.abs(order.createdAt.getTime() - previous.order.createdAt.getTime())).toBeLessThan(10_000);
    });
    const late = ofKind(steps, 'order').find((o) => o.late);
    expect(late).toBeDefined();
  });

  it('only repeats or corrects what was planned before it', () => {
    let orders = 0;
    let movements = 0;
    for (const step of steps) {
      if (step.kind === 'order') orders += 1;
      if (step.kind === 'movement') movements += 1;
      if (step.kind === 'order-republish') expect(step.order).toBeLessThan(orders);
      if (step.kind === 'movement-update' || step.kind === 'movement-delete') expect(step.movement).toBeLessThan(movements);
    }
  });

  it('gives each order a unique id and event id', () => {
    const orders = ofKind(steps, 'order');
    expect(new Set(orders.map((o) => o.order.orderId)).size).toBe(orders.length);
    expect(new Set(orders.map((o) => o.eventId)).size).toBe(orders.length);
  });
});
