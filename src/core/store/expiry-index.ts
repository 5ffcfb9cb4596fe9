import type { Random } from '../time/random.js';
import { Int32Column } from './columns.js';

/**
 * Slots of items that carry an expiry, with O(1) add/remove and uniform random sampling: a dense
 * array of slots plus, per slot, its position + 1 in a typed column (0 = absent), so no Map entry per
 * expiring item.
 */
export class ExpiryIndex {
  private readonly slots: number[] = [];
  private readonly pos = new Int32Column();

  get size(): number {
    return this.slots.length;
  }
  has(slot: number): boolean {
    return this.pos.get(slot) !== 0;
  }
  add(slot: number): void {
    if (this.pos.get(slot) !== 0) return;
    this.slots.push(slot);
    this.pos.set(slot, this.slots.length);
  }
  remove(slot: number): void {
    const i = this.pos.get(slot) - 1;
    if (i < 0) return;
    const last = this.slots.pop()!;
    this.pos.set(slot, 0);
    if (i < this.slots.length) {
      this.slots[i] = last;
      this.pos.set(last, i + 1);
    }
  }
  /** Up to `n` distinct slots chosen at random. */
  sample(n: number, random: Random): number[] {
    const size = this.slots.length;
    if (size <= n) return [...this.slots];
    const picked = new Set<number>();
    while (picked.size < n) picked.add(random.int(size));
    return [...picked].map((i) => this.slots[i]!);
  }
  all(): number[] {
    return [...this.slots];
  }
  clear(): void {
    this.slots.length = 0;
    this.pos.clear();
  }
}
