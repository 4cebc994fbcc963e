/** A reproducible random sample: the same run id draws the same items from the same stream. */
import { seededRandom } from '../random.ts';

/**
 * Reservoir sampling (algorithm R): `k` items drawn uniformly from a stream of unknown length,
 * holding only `k` in memory. Items keep the order in which they were drawn into the reservoir.
 */
export class Reservoir<T> {
  private readonly items: T[] = [];
  private seen = 0;
  private readonly random: () => number;

  constructor(
    private readonly k: number,
    seed: string,
  ) {
    this.random = seededRandom(seed);
  }

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.k) {
      this.items.push(item);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.k) this.items[j] = item;
  }

  get sample(): T[] {
    return [...this.items];
  }

  get count(): number {
    return this.seen;
  }
}
