import { seededRandom } from '../../../scripts/reference/seeded-random.js';

/** The reference pipeline's seeded generator (mulberry32), with the draws the corpus makes: repeatable, so a case replays. */
export class SeededRandom {
  private readonly draw: () => number;
  public constructor(seed: number) {
    this.draw = seededRandom(seed);
  }
  public next(): number {
    return this.draw();
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
