import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirmByTyping } from '../../../../scripts/cli/dlq/confirm.js';
import { formatInspect, formatReplay } from '../../../../scripts/cli/dlq/format.js';
import type { InspectReport } from '../../../../scripts/cli/dlq/inspect.js';

async function answer(text: string): Promise<boolean> {
  const input = new PassThrough();
  const output = new PassThrough();
  const asked = confirmByTyping('Purge it?', 'order-analytics', { input, output });
  input.end(`${text}\n`);
  return asked;
}

describe('rtp dlq purge confirmation', () => {
  it('is given only by typing the processor name', async () => {
    expect(await answer('order-analytics')).toBe(true);
    expect(await answer('y')).toBe(false);
    expect(await answer('')).toBe(false);
  });
});

describe('rtp dlq text output', () => {
  it('prints counts and a sample an operator can read', () => {
    const report: InspectReport = {
      target: 'local stack',
      processor: 'order-analytics',
      queue: 'dead-letters',
      queueUrl: 'http://q',
      depth: { visible: 2, inFlight: 0 },
      scanned: 2,
      complete: true,
      byReason: { SCHEMA_NOT_FOUND: 2 },
      byTopic: { orders: 2 },
      byPartition: { 'orders/0': 1, 'orders/2': 1 },
      offloaded: 0,
      samples: [
        {
          kind: 'dead-letter',
          messageId: 'm1',
          reason: 'SCHEMA_NOT_FOUND',
          error: { name: 'SchemaNotFoundError', message: 'not in the registry' },
          topic: 'orders',
          partition: 0,
          offset: 7,
          timestamp: '2026-01-01T10:00:00.000Z',
          failedAt: '2026-01-01T10:00:01.000Z',
          key: { text: 'o-1' },
          headers: {},
          value: { decoded: false, base64: 'AwA=', decodeError: 'SCHEMA_NOT_FOUND: not in the registry' },
        },
      ],
    };

    const text = formatInspect(report).join('\n');

    expect(text).toContain('order-analytics dead-letters queue on the local stack: 2 visible, 0 in flight');
    expect(text).toMatch(/by reason:\n {2}SCHEMA_NOT_FOUND {2}2/);
    expect(text).toMatch(/by partition:\n {2}orders\/0 {2}1\n {2}orders\/2 {2}1/);
    expect(text).toContain('- SCHEMA_NOT_FOUND orders/0@7');
    expect(text).toContain('value (base64): AwA=');
  });

  it('says a dry run changed nothing', () => {
    const lines = formatReplay({
      target: 'local stack',
      processor: 'order-analytics',
      queueUrl: 'http://q',
      dryRun: true,
      replayed: [{ messageId: 'm1', reason: 'LATE_EVENT', topic: 'orders', partition: 1, offset: 3 }],
      duplicatesDeleted: 0,
      otherReasons: 2,
      foreign: 0,
      invalid: 0,
      unresolved: [],
      notDeleted: 0,
      payloadsLeft: 0,
    });

    expect(lines).toEqual([
      'order-analytics dead letters on the local stack: would replay 1',
      '  LATE_EVENT orders/1@3 (message m1)',
      'dry run: nothing was produced or deleted',
      'left in the queue: 2 of other reasons',
    ]);
  });
});
