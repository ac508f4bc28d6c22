/**
 * Exponential backoff with full jitter: a random wait below
 * min(cap, base * 2^(attempt - 1)). Jitter spreads the retries of many
 * invocations that failed together, so they do not collide again.
 */
export function backoffDelay(attempt: number, { baseMs, capMs }: { readonly baseMs: number; readonly capMs: number }): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
