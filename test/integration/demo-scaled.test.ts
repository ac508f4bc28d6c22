import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { removeStackState, useStackStateDir } from '../helpers/stack-state.js';

/**
 * The reference pipeline on another shape than the default: six partitions
 * per topic and two processes of each processor in one consumer group, as
 * a scale measurement runs it. The reconciliation must still find nothing,
 * and both processes of a processor must have taken part.
 */
describe('rtp demo --partitions 6 --instances 2', () => {
  it('provisions six partitions, shares them between two processes per processor, and reconciles', async () => {
    // Prepare: state apart from a developer's stack, set before any script is imported (paths.js reads it).
    const stateDir = fileURLToPath(new URL(`../../.rtp/test-demo-scaled-${process.pid}`, import.meta.url));
    const restoreStateDir = useStackStateDir(stateDir);
    const { freeStackPorts } = await import('../../scripts/devstack/free-port-start.js');
    const { runDemo } = await import('../../scripts/reference/demo.js');
    const { LOG_DIR } = await import('../../scripts/devstack/paths.js');
    const ports = await freeStackPorts();
    const lines: string[] = [];

    // Act
    try {
      const { differences } = await runDemo({ events: 300, seed: 5, partitions: 6, instances: 2, ratePerSec: 40, ports, write: (line) => lines.push(line) });

      // Assess
      expect(lines.at(-1), lines.slice(-30).join('\n')).toBe('reconciliation: 0 differences');
      expect(differences).toBe(0);
      expect(lines).toContain('  pipeline: topics stock-movements, orders (6 partitions each)');
      expect(lines).toContain('  order-analytics: running as 2 local Lambdas in one consumer group on orders (6 partitions)');
      for (const processor of ['inventory-projector', 'order-analytics']) {
        for (const instance of [0, 1]) {
          const log = await readFile(join(LOG_DIR, `processor-${processor}-${instance}.log`), 'utf8');
          expect(log, `${processor} process ${instance} invoked nothing`).toContain('{"type":"invoke"');
        }
      }
    } finally {
      await removeStackState(stateDir);
      restoreStateDir();
    }
  }, 900_000);
});
