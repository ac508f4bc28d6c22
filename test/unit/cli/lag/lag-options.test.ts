import { describe, expect, it } from 'vitest';
import { registerLagCommands } from '../../../../scripts/cli/lag/lag-command.js';
import { refusedParse } from '../parse-command.js';

describe('rtp lag options', () => {
  it('refuses a --watch interval that is not a positive number of seconds', async () => {
    const { error, stderr } = await refusedParse(registerLagCommands, ['lag', '--watch', '0']);
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '--watch <seconds>' argument '0' is invalid. must be a positive number of seconds, got '0'");
  });

  it('refuses a --max-lag that is not a whole number of 0 or more', async () => {
    expect((await refusedParse(registerLagCommands, ['lag', '--max-lag', 'ten'])).error.message).toContain(
      "option '--max-lag <records>' argument 'ten' is invalid. must be a whole number of at least 0, got 'ten'",
    );
    expect((await refusedParse(registerLagCommands, ['lag', '--max-lag', '-1'])).error.message).toContain("option '--max-lag <records>' argument '-1' is invalid");
  });

  it('refuses an --env that is not a deployed environment, listing them, before any AWS call', async () => {
    const { error } = await refusedParse(registerLagCommands, ['lag', '--env', 'qa']);
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.message).toContain("option '--env <name>' argument 'qa' is invalid. Allowed choices are dev, staging, prod.");
  });
});
