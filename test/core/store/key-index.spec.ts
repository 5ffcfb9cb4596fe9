import { describe, expect, it } from 'vitest';
import { hashKey, KeyIndex } from '../../../src/core/store/key-index.js';
import { SeededRandom } from '../../../src/core/time/random.js';

/** A KeyIndex over a plain slot → key array, as the store's key column. */
function setup(seed?: number) {
  const keys: (string | undefined)[] = [];
  const free: number[] = [];
  const index = new KeyIndex((slot, key) => keys[slot] === key, seed);
  const add = (key: string) => {
    const slot = free.pop() ?? keys.length;
    keys[slot] = key;
    index.add(key, slot);
    return slot;
  };
  const remove = (key: string) => {
    const slot = index.get(key);
    if (slot === undefined) return false;
    expect(index.delete(key)).toBe(true);
    keys[slot] = undefined;
    free.push(slot);
    return true;
  };
  return { index, keys, add, remove };
}

describe('KeyIndex (the store key → slot table)', () => {
  it('agrees with a Map model through 60 000 random adds, deletes and re-adds (growth and rebuilds included)', () => {
    const prng = new SeededRandom(7);
    const rnd = () => prng.next();
    const { index, add, remove } = setup(12345);
    const model = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = `k${Math.floor(rnd() * 20_000)}${rnd() < 0.1 ? '😀' : ''}`;
      if (model.has(key)) {
        if (rnd() < 0.6) {
          expect(remove(key)).toBe(true);
          model.delete(key);
        }
      } else {
        model.set(key, add(key));
      }
      if (i % 5000 === 0) for (const [k, slot] of model) expect(index.get(k)).toBe(slot);
    }
    expect(index.size).toBe(model.size);
    for (const [k, slot] of model) expect(index.get(k)).toBe(slot);
    for (let i = 0; i < 1000; i++) expect(index.get(`absent-${i}`)).toBeUndefined();
    expect(index.delete('absent')).toBe(false);
  });

  it('stays at most half full, and deleted markers do not make it grow without bound', () => {
    const { index, add, remove } = setup(1);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) add(`r${round}-${i}`);
      for (let i = 0; i < 1000; i++) remove(`r${round}-${i}`);
    }
    expect(index.size).toBe(0);
    expect(index.bucketCount).toBeLessThanOrEqual(4096); // 50 000 keys went through, never more than 1000 live
    for (let i = 0; i < 3000; i++) add(`live-${i}`);
    expect(index.bucketCount).toBeGreaterThanOrEqual(2 * 3000);
    for (let i = 0; i < 3000; i++) expect(index.get(`live-${i}`)).toBeDefined();
  });

  it('the empty key, long keys and keys differing in one code unit are told apart', () => {
    const { index, add } = setup(99);
    const long = 'x'.repeat(1024);
    const slots = ['', 'a', 'b', long, `${long.slice(1)}y`, '\u0000', '\uffff'].map((k) => [k, add(k)] as const);
    for (const [k, slot] of slots) expect(index.get(k)).toBe(slot);
  });

  it('the hash depends on the seed (collisions cannot be chosen without knowing it) and is deterministic for one seed', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const a = keys.map((k) => hashKey(k, 1));
    expect(keys.map((k) => hashKey(k, 1))).toEqual(a);
    const b = keys.map((k) => hashKey(k, 2));
    expect(a.filter((h, i) => h === b[i]).length).toBeLessThan(3);
    // Low bits (the bucket) spread: 200 keys land in well over 100 of 256 buckets.
    expect(new Set(a.map((h) => h & 255)).size).toBeGreaterThan(100);
  });
});
