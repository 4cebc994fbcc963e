/** A reproducible random sample: the same run id draws the same items from the same stream. */

/** FNV-1a over the seed text, then mulberry32: small, deterministic, good enough to sample. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
