import { describe, expect, it } from 'vitest';
import { registerDlqCommands } from '../../../../scripts/cli/dlq/dlq-command.js';
import { refusedParse } from '../parse-command.js';

const dlq = (...args: string[]) => refusedParse(registerDlqCommands, ['dlq', ...args]);

describe('rtp dlq options', () => {
  it('refuses a --queue that is not one of the queues, listing them', async () => {
    const { error, stderr } = await dlq('inspect', 'order-analytics', '--queue', 'dlq');
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '--queue <queue>' argument 'dlq' is invalid. Allowed choices are dead-letters, on-failure.");
  });

  it('refuses a --reason that is not a dead-letter reason', async () => {
    const { error } = await dlq('replay', 'order-analytics', '--reason', 'late_event');
    expect(error.message).toMatch(/option '--reason <reason>' argument 'late_event' is invalid. Allowed choices are DECODE_ERROR, .*LATE_EVENT/);
  });

  it('refuses counts that are not whole numbers or are out of range', async () => {
    expect((await dlq('inspect', 'order-analytics', '--samples', 'all')).error.message).toContain(
      "option '--samples <n>' argument 'all' is invalid. must be a whole number of at least 0, got 'all'",
    );
    expect((await dlq('inspect', 'order-analytics', '--max-messages', '0')).error.message).toContain(
      "option '--max-messages <n>' argument '0' is invalid. must be a whole number of at least 1, got '0'",
    );
    expect((await dlq('replay', 'order-analytics', '--limit', '-3')).error.message).toContain("option '--limit <n>' argument '-3' is invalid");
  });
});
