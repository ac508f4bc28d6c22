import { describe, expect, it } from 'vitest';
import { registerProduceCommands } from '../../../../scripts/cli/produce/produce-command.js';
import { refusedParse } from '../parse-command.js';

const produce = (...args: string[]) => refusedParse(registerProduceCommands, ['produce', 'orders', ...args]);

describe('rtp produce options', () => {
  it('refuses a rate that is not a number, naming the option', async () => {
    const { error, stderr } = await produce('--rate', 'abc', '--count', '10');
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.exitCode).not.toBe(0);
    expect(stderr).toContain("error: option '--rate <n>' argument 'abc' is invalid. must be a number above 0, got 'abc'");
  });

  it('refuses a count that is not a whole number, or below 1', async () => {
    expect((await produce('--rate', '10', '--count', '2.5')).error.message).toMatch(/option '--count <m>' argument '2.5' is invalid. must be a whole number of at least 1/);
    expect((await produce('--rate', '10', '--count', '0')).error.message).toMatch(/option '--count <m>' argument '0' is invalid/);
  });

  it('refuses a seed out of range and a version below 1', async () => {
    const { error } = await produce('--rate', '10', '--count', '1', '--seed', String(2 ** 32));
    expect(error.message).toContain("option '--seed <x>' argument '4294967296' is invalid. must be a whole number from 0 to 4294967295");
    expect((await produce('--rate', '10', '--count', '1', '--version', '0')).error.message).toMatch(/option '--version <v>' argument '0' is invalid/);
  });

  it('still requires --rate and --count', async () => {
    expect((await produce('--count', '1')).error.code).toBe('commander.missingMandatoryOptionValue');
  });
});
