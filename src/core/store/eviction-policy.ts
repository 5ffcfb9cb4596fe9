import { Int32Column } from './columns.js';

/**
 * Chooses which item to evict when a cap is hit (docs/single-node.md §2). Works on the store's slot numbers
 * (small non-negative integers, one per stored key) and keeps its bookkeeping in per-slot typed
 * columns: no per-item JS object or Map entry.
 */
export interface EvictionPolicy {
  /** A new item was stored in `slot`; a slot already tracked counts as a use. */
  add(slot: number): void;
  /** The item was used: a local read served from it, or an apply. An untracked slot is added. */
  touch(slot: number): void;
  remove(slot: number): void;
  /** The next victim slot, never `exclude`; undefined when nothing else can be evicted. */
  victim(exclude?: number): number | undefined;
  clear(): void;
}

/** A doubly linked list of slots; -1 = none. */
interface SlotList {
  head: number;
  tail: number;
}

/**
 * Intrusive doubly linked lists over slots: `prev`/`next` hold slot + 1 so that a zeroed column
 * means "no link". A slot is in at most one list at a time.
 */
class SlotLinks {
  private readonly prev = new Int32Column();
  private readonly next = new Int32Column();

  /** Whether `slot` is in list `l` (it can be in no other list of the same links). */
  has(l: SlotList, slot: number): boolean {
    return this.prev.get(slot) !== 0 || l.head === slot;
  }
  append(l: SlotList, slot: number): void {
    this.prev.set(slot, l.tail + 1);
    this.next.set(slot, 0);
    if (l.tail >= 0) this.next.set(l.tail, slot + 1);
    else l.head = slot;
    l.tail = slot;
  }
  unlink(l: SlotList, slot: number): void {
    const p = this.prev.get(slot) - 1;
    const n = this.next.get(slot) - 1;
    if (p >= 0) this.next.set(p, n + 1);
    else l.head = n;
    if (n >= 0) this.prev.set(n, p + 1);
    else l.tail = p;
    this.prev.set(slot, 0);
    this.next.set(slot, 0);
  }
  after(slot: number): number {
    return this.next.get(slot) - 1;
  }
  clear(): void {
    this.prev.clear();
    this.next.clear();
  }
}

/** The first slot of `l` that is not `exclude`, or undefined. */
function firstOf(links: SlotLinks, l: SlotList, exclude: number | undefined): number | undefined {
  let s = l.head;
  if (s >= 0 && s === exclude) s = links.after(s);
  return s >= 0 ? s : undefined;
}

/** Least recently used: one list in recency order (head = least recent; a use moves a slot to the tail). */
export class LruPolicy implements EvictionPolicy {
  private readonly links = new SlotLinks();
  private readonly list: SlotList = { head: -1, tail: -1 };

  add(slot: number): void {
    if (this.links.has(this.list, slot)) {
      if (this.list.tail === slot) return;
      this.links.unlink(this.list, slot);
    }
    this.links.append(this.list, slot);
  }
  touch(slot: number): void {
    this.add(slot);
  }
  remove(slot: number): void {
    if (this.links.has(this.list, slot)) this.links.unlink(this.list, slot);
  }
  victim(exclude?: number): number | undefined {
    return firstOf(this.links, this.list, exclude);
  }
  clear(): void {
    this.links.clear();
    this.list.head = this.list.tail = -1;
  }
}

/**
 * Least frequently used, ties to the least recently used: one recency-ordered list per access
 * count (O(1) add/touch/remove). `min` is a lower bound of the smallest non-empty count.
 */
export class LfuPolicy implements EvictionPolicy {
  private readonly links = new SlotLinks();
  /** Access count per slot; 0 = not tracked. */
  private readonly counts = new Int32Column();
  private readonly buckets = new Map<number, SlotList>();
  private min = 1;

  add(slot: number): void {
    if (this.counts.get(slot) !== 0) return this.touch(slot);
    this.put(slot, 1);
    this.min = 1;
  }
  touch(slot: number): void {
    const c = this.counts.get(slot);
    if (c === 0) return this.add(slot);
    this.take(slot, c);
    this.put(slot, c + 1);
  }
  remove(slot: number): void {
    const c = this.counts.get(slot);
    if (c !== 0) this.take(slot, c);
  }
  victim(exclude?: number): number | undefined {
    if (this.buckets.size === 0) return undefined;
    if (!this.buckets.has(this.min)) this.min = Math.min(...this.buckets.keys());
    const first = firstOf(this.links, this.buckets.get(this.min)!, exclude);
    if (first !== undefined) return first;
    // Only `exclude` sits in the smallest bucket: look at the next ones in count order.
    for (const c of [...this.buckets.keys()].sort((a, b) => a - b)) {
      const s = firstOf(this.links, this.buckets.get(c)!, exclude);
      if (s !== undefined) return s;
    }
    return undefined;
  }
  clear(): void {
    this.links.clear();
    this.counts.clear();
    this.buckets.clear();
    this.min = 1;
  }
  accessCount(slot: number): number | undefined {
    const c = this.counts.get(slot);
    return c === 0 ? undefined : c;
  }

  private put(slot: number, c: number): void {
    this.counts.set(slot, c);
    let b = this.buckets.get(c);
    if (!b) this.buckets.set(c, (b = { head: -1, tail: -1 }));
    this.links.append(b, slot);
  }
  private take(slot: number, c: number): void {
    this.counts.set(slot, 0);
    const b = this.buckets.get(c)!;
    this.links.unlink(b, slot);
    if (b.head < 0) {
      this.buckets.delete(c);
      if (this.min === c) this.min = c + 1;
    }
  }
}

export function createEvictionPolicy(name: 'lru' | 'lfu'): EvictionPolicy {
  return name === 'lfu' ? new LfuPolicy() : new LruPolicy();
}
