import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redeliverSupersededChanges } from '../helpers/cdc-redelivery.js';
import { removeStackState, useStackStateDir } from '../helpers/stack-state.js';

/**
 * The whole reference pipeline, small: a fresh stack on ports of its own,
 * Debezium streaming stock movements and the orders outbox (producers on
 * schema versions 1, 2 and 3 interleaved), both processors as local
 * Lambdas, repeats, late events and poison records, then older changes of
 * stock movements delivered again (as Debezium does after a Connect crash),
 * and a reconciliation of Postgres against DynamoDB that must find nothing.
 */
describe('rtp demo', () => {
  it('ends with `reconciliation: 0 differences`', async () => {
    // Prepare: state apart from a developer's stack. The scripts read RTP_STATE_DIR when they
    // first load, so it is set before any of them is imported (paths.js included).
    const stateDir = fileURLToPath(new URL(`../../.rtp/test-demo-${process.pid}`, import.meta.url));
    const restoreStateDir = useStackStateDir(stateDir);
    const { freeStackPorts } = await import('../../scripts/devstack/free-port-start.js');
    const { runDemo } = await import('../../scripts/reference/demo.js');
    const ports = await freeStackPorts();
    const lines: string[] = [];
    let redelivered = 0;

    // Act
    try {
      // Five events a second of event time: 800 events span over two and a half minutes, written at
      // 40 a second so the processors keep up, so revenue windows close while orders still arrive and
      // a window closed early would turn on-time orders late.
      // Once both processors caught up, the first change of every movement that was corrected later is
      // delivered again, behind its correction: applied, it would undo the correction in the stock.
      const { differences } = await runDemo({
        events: 800,
        seed: 11,
        eventsPerSecond: 5,
        ratePerSec: 40,
        ports,
        write: (line) => lines.push(line),
        onDrained: async ({ endpoints, pipeline }) => {
          const projector = pipeline.processors['inventory-projector'];
          redelivered = await redeliverSupersededChanges(endpoints.kafka.bootstrapServers, projector.inputTopic, 'rtp-inventory-projector');
        },
      });

      // Assess
      // On failure, the report (with its DIFFERENCE lines) is the message.
      expect(lines.at(-1), lines.slice(-30).join('\n')).toBe('reconciliation: 0 differences');
      expect(differences).toBe(0);
      expect(redelivered).toBeGreaterThan(0);
      expect(lines.join('\n')).toMatch(/dead letters {8}DECODE_ERROR \d+/);
      // The plan has late orders, so the run shows the dead letters agree with the plan's lateness.
      expect(lines.join('\n')).toMatch(/\([1-9]\d* orders late by the plan/);
    } finally {
      await removeStackState(stateDir);
      restoreStateDir();
    }
  }, 900_000);
});
