import { createInterface } from 'node:readline/promises';

/**
 * Asks on the terminal and resolves true only if the answer is exactly
 * `expected` (the processor's name): harder to do by reflex than y/N.
 */
export async function confirmByTyping(
  question: string,
  expected: string,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } = { input: process.stdin, output: process.stderr },
): Promise<boolean> {
  const prompt = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await prompt.question(`${question}\nType the processor name (${expected}) to confirm: `);
    return answer.trim() === expected;
  } finally {
    prompt.close();
  }
}
