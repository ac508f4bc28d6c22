import type { DeadLetter } from './envelope.js';

/**
 * Where dead letters go. `write` resolves only once every letter is stored;
 * it throws otherwise, and the caller fails the invocation so that the
 * batch, and with it the letters, are tried again.
 */
export interface DeadLetterWriter {
  write(letters: readonly DeadLetter[]): Promise<void>;
}
