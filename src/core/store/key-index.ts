import { Int32Column } from './columns.js';

const INITIAL_BUCKETS = 1024;
const EMPTY = 0;
const DELETED = -1;

/**
 * The store's key → slot index: open addressing with linear probing over one `Int32Array` of
 * buckets (slot + 1; 0 empty, −1 deleted), kept at most half full, plus each slot's 32-bit key hash
 * in a column. About 8–16 B of buckets + 4 B of hash per key, against about 29 B per entry of a V8
 * `Map` (three 8-byte words per entry plus its bucket array): the largest single part of the
 * per-item overhead that issue 7 measures. The keys themselves are not copied: a bucket's key is
 * the store's own record of the slot, compared (`keyIs`) only when the stored hash matches.
 *
 * The hash is seeded per index from a random value, as V8 seeds its own string hash, so which keys
 * collide cannot be chosen from outside; it is not a cryptographic function. Growing doubles the
 * bucket array and re-inserts from the stored hashes (no key is hashed again); deleted markers are
 * cleared by the same re-insertion when they make up most of the used buckets.
 */
export class KeyIndex {
  private buckets = new Int32Array(INITIAL_BUCKETS);
  private mask = INITIAL_BUCKETS - 1;
  private readonly hashOf = new Int32Column();
  private live = 0;
  /** Buckets not EMPTY (live + deleted markers). */
  private used = 0;

  constructor(
    /** Whether `slot` holds `key` (the slot is in the index, so it holds a key). */
    private readonly keyIs: (slot: number, key: string) => boolean,
    private readonly seed: number = (Math.random() * 0x1_0000_0000) | 0,
  ) {}

  get size(): number {
    return this.live;
  }

  get(key: string): number | undefined {
    const h = hashKey(key, this.seed);
    const b = this.buckets;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = b[i]!;
      if (e === EMPTY) return undefined;
      if (e > 0 && this.hashOf.get(e - 1) === h && this.keyIs(e - 1, key)) return e - 1;
    }
  }

  /** Maps `key` (not in the index) to `slot`. */
  add(key: string, slot: number): void {
    if ((this.used + 1) * 2 > this.buckets.length) this.rebuild();
    const h = hashKey(key, this.seed);
    this.hashOf.set(slot, h);
    this.insert(h, slot);
    this.live++;
  }

  /** Removes `key` (its slot must still hold it: call before the slot's key is cleared). */
  delete(key: string): boolean {
    const h = hashKey(key, this.seed);
    const b = this.buckets;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = b[i]!;
      if (e === EMPTY) return false;
      if (e > 0 && this.hashOf.get(e - 1) === h && this.keyIs(e - 1, key)) {
        // A deleted marker keeps later keys of the same probe run reachable.
        b[i] = DELETED;
        this.live--;
        return true;
      }
    }
  }

  /** Length of the bucket array (for tests and diagnostics). */
  get bucketCount(): number {
    return this.buckets.length;
  }

  private insert(h: number, slot: number): void {
    const b = this.buckets;
    let i = h & this.mask;
    while (b[i]! > 0) i = (i + 1) & this.mask;
    if (b[i] === EMPTY) this.used++;
    b[i] = slot + 1;
  }

  /** Doubles the buckets when live keys fill a quarter of them, else only clears the deleted markers. */
  private rebuild(): void {
    const old = this.buckets;
    const size = (this.live + 1) * 4 > old.length ? old.length * 2 : old.length;
    this.buckets = new Int32Array(size);
    this.mask = size - 1;
    this.used = 0;
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      if (e > 0) this.insert(this.hashOf.get(e - 1), e - 1);
    }
  }
}

/** A seeded 32-bit hash of the key's UTF-16 code units (multiply–xorshift rounds, murmur3's finaliser). */
export function hashKey(key: string, seed: number): number {
  let h = seed ^ key.length;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
