import { describe, expect, it } from 'vitest';
import { registerReplayCommands } from '../../../../scripts/cli/replay/replay-command.js';
import { refusedParse } from '../parse-command.js';

const replay = (...args: string[]) => refusedParse(registerReplayCommands, ['replay', 'inventory-projector', ...args]);

describe('rtp replay options', () => {
  it('refuses a --from that is not a time, or is in the future, naming the option', async () => {
    const { error, stderr } = await replay('--from', 'yesterday');
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '--from <timestamp>' argument 'yesterday' is invalid. must be an ISO-8601 time (2026-11-22T06:00:00Z) or epoch milliseconds");
    expect((await replay('--from', '2999-01-01T00:00:00Z')).error.message).toContain(
      "option '--from <timestamp>' argument '2999-01-01T00:00:00Z' is invalid. must not be in the future",
    );
  });

  it('refuses a --timeout that is not a positive number of minutes', async () => {
    expect((await replay('--from', '2026-01-01T00:00:00Z', '--timeout', '-5')).error.message).toContain(
      "option '--timeout <minutes>' argument '-5' is invalid. must be a positive number of minutes, got '-5'",
    );
  });

  it('still requires --from', async () => {
    expect((await replay()).error.code).toBe('commander.missingMandatoryOptionValue');
  });
});
