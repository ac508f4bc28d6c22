import { describe, expect, it } from 'vitest';
import { registerDemoCommand } from '../../../../scripts/cli/demo/demo-command.js';
import { refusedParse } from '../parse-command.js';

const demo = (...args: string[]) => refusedParse(registerDemoCommand, ['demo', ...args]);

describe('rtp demo options', () => {
  it('refuses counts that are not whole numbers of at least 1, naming the option', async () => {
    const { error, stderr } = await demo('--events', '1e4');
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '--events <n>' argument '1e4' is invalid. must be a whole number of at least 1, got '1e4'");
    expect((await demo('--partitions', '0')).error.message).toContain("option '--partitions <n>' argument '0' is invalid");
    expect((await demo('--instances', 'two')).error.message).toContain("option '--instances <n>' argument 'two' is invalid");
  });

  it("refuses a --rate that is neither a positive number nor 'max', and a --seed that is not whole", async () => {
    expect((await demo('--rate', 'fast')).error.message).toContain(
      "option '--rate <n|max>' argument 'fast' is invalid. must be a number of steps per second above 0, or 'max', got 'fast'",
    );
    expect((await demo('--seed', '1.5')).error.message).toContain("option '--seed <n>' argument '1.5' is invalid. must be a whole number, got '1.5'");
  });
});
