import type { Random } from '../time/random.js';

/** Keys of items that carry an expiry, with O(1) add/remove and uniform random sampling. */
export class ExpiryIndex {
  private readonly keys: string[] = [];
  private readonly pos = new Map<string, number>();

  get size(): number {
    return this.keys.length;
  }
  add(key: string): void {
    if (this.pos.has(key)) return;
    this.pos.set(key, this.keys.length);
    this.keys.push(key);
  }
  remove(key: string): void {
    const i = this.pos.get(key);
    if (i === undefined) return;
    const last = this.keys.pop()!;
    this.pos.delete(key);
    if (i < this.keys.length) {
      this.keys[i] = last;
      this.pos.set(last, i);
    }
  }
  /** Up to `n` distinct keys chosen at random. */
  sample(n: number, random: Random): string[] {
    const size = this.keys.length;
    if (size <= n) return [...this.keys];
    const picked = new Set<number>();
    while (picked.size < n) picked.add(random.int(size));
    return [...picked].map((i) => this.keys[i]!);
  }
  all(): string[] {
    return [...this.keys];
  }
  clear(): void {
    this.keys.length = 0;
    this.pos.clear();
  }
}
