/** mulberry32: small, fast and good enough to spread cases; the point is repeatability. */
export class SeededRandom {
  private state: number;
  public constructor(seed: number) {
    this.state = seed >>> 0;
  }
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  public int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  public chance(probability: number): boolean {
    return this.next() < probability;
  }
  public pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}
