/** Chooses which item to evict when a cap is hit (CONTRACT §6.12). Keys only; no values. */
export interface EvictionPolicy {
  /** A new item key was stored. */
  add(key: string): void;
  /** The key was used: a local read served from it, or an apply. */
  touch(key: string): void;
  remove(key: string): void;
  /** The next victim, never `exclude`; undefined when nothing else can be evicted. */
  victim(exclude?: string): string | undefined;
  clear(): void;
}

/** Least recently used: a Map keeps keys in recency order (delete + set moves a key to the end). */
export class LruPolicy implements EvictionPolicy {
  private readonly order = new Map<string, true>();

  add(key: string): void {
    this.order.delete(key);
    this.order.set(key, true);
  }
  touch(key: string): void {
    this.add(key);
  }
  remove(key: string): void {
    this.order.delete(key);
  }
  victim(exclude?: string): string | undefined {
    for (const key of this.order.keys()) if (key !== exclude) return key;
    return undefined;
  }
  clear(): void {
    this.order.clear();
  }
}

/**
 * Least frequently used, ties to the least recently used: one recency-ordered bucket per access
 * count. `min` is a lower bound of the smallest non-empty count.
 */
export class LfuPolicy implements EvictionPolicy {
  private readonly counts = new Map<string, number>();
  private readonly buckets = new Map<number, Map<string, true>>();
  private min = 1;

  add(key: string): void {
    if (this.counts.has(key)) return this.touch(key);
    this.put(key, 1);
    this.min = 1;
  }
  touch(key: string): void {
    const c = this.counts.get(key);
    if (c === undefined) return this.add(key);
    this.take(key, c);
    this.put(key, c + 1);
  }
  remove(key: string): void {
    const c = this.counts.get(key);
    if (c !== undefined) this.take(key, c);
  }
  victim(exclude?: string): string | undefined {
    if (this.buckets.size === 0) return undefined;
    if (!this.buckets.has(this.min)) this.min = Math.min(...this.buckets.keys());
    for (const key of this.buckets.get(this.min)!.keys()) if (key !== exclude) return key;
    // Only `exclude` sits in the smallest bucket: look at the next ones in count order.
    for (const c of [...this.buckets.keys()].sort((a, b) => a - b)) {
      for (const key of this.buckets.get(c)!.keys()) if (key !== exclude) return key;
    }
    return undefined;
  }
  clear(): void {
    this.counts.clear();
    this.buckets.clear();
    this.min = 1;
  }
  accessCount(key: string): number | undefined {
    return this.counts.get(key);
  }

  private put(key: string, c: number): void {
    this.counts.set(key, c);
    let b = this.buckets.get(c);
    if (!b) this.buckets.set(c, (b = new Map()));
    b.set(key, true);
  }
  private take(key: string, c: number): void {
    this.counts.delete(key);
    const b = this.buckets.get(c)!;
    b.delete(key);
    if (b.size === 0) {
      this.buckets.delete(c);
      if (this.min === c) this.min = c + 1;
    }
  }
}

export function createEvictionPolicy(name: 'lru' | 'lfu'): EvictionPolicy {
  return name === 'lfu' ? new LfuPolicy() : new LruPolicy();
}
