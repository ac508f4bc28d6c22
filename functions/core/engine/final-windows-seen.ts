/**
 * The windows one process has seen final. A window's result, once written,
 * never changes, so a closer that knows a window is final need not read
 * its result again on every later invocation while the window's slices
 * wait for their other windows to close. Bounded: the entries seen first
 * are forgotten first, and a forgotten window is only read again.
 */
export class FinalWindowsSeen {
  private readonly seen = new Set<string>();

  /** @param capacity Windows remembered. @default 10 000 */
  public constructor(private readonly capacity = 10_000) {}

  public has(key: string): boolean {
    return this.seen.has(key);
  }

  public add(key: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
  }
}
