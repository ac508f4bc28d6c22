import { describe, expect, it } from 'vitest';
import { registerLocalCommands } from '../../../../scripts/cli/local/local-command.js';
import { refusedParse } from '../parse-command.js';

describe('rtp local logs arguments', () => {
  it('refuses a --lines that is not a whole number of at least 1, naming the option', async () => {
    const { error, stderr } = await refusedParse(registerLocalCommands, ['local', 'logs', '-n', '0']);
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '-n, --lines <n>' argument '0' is invalid. must be a whole number of at least 1, got '0'");
  });

  it('refuses a service the stack does not run, listing those it does', async () => {
    const { error } = await refusedParse(registerLocalCommands, ['local', 'logs', 'zookeeper']);
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.message).toMatch(/value 'zookeeper' is invalid for argument 'service'. Allowed choices are postgres, kafka, /);
  });
});
