import { Command, CommanderError } from 'commander';

export interface RefusedParse {
  readonly error: CommanderError;
  /** What commander wrote to stderr, as `rtp` would print it. */
  readonly stderr: string;
}

/**
 * Parses `rtp <args>` with the commands `register` adds, exiting through an
 * exception instead of the process; resolves with the error commander raised.
 * Fails if the arguments were accepted, so a test never reaches an action.
 */
export async function refusedParse(register: (program: Command) => void, args: readonly string[]): Promise<RefusedParse> {
  let stderr = '';
  const program = new Command('rtp')
    .exitOverride()
    .configureOutput({ writeErr: (text) => void (stderr += text), writeOut: () => undefined });
  register(program);
  program.hook('preAction', () => {
    throw new Error(`rtp ${args.join(' ')} was accepted: the action would have run`);
  });
  try {
    await program.parseAsync(['node', 'rtp', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) return { error, stderr };
    throw error;
  }
  throw new Error(`rtp ${args.join(' ')} was accepted`);
}
