import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../../src/core/store/columns.js';
import { type EvictionPolicy, LfuPolicy, LruPolicy, createEvictionPolicy } from '../../../src/core/store/eviction-policy.js';

// Policies work on slot numbers; the tests name slots by letter and spread them over several column chunks.
const KEYS = ['a', 'b', 'c', 'd', 'e', 'z'];
const slotOf = (k: string): number => KEYS.indexOf(k) * (CHUNK_SIZE + 3);
const keyOf = (s: number | undefined): string | undefined => (s === undefined ? undefined : KEYS[s / (CHUNK_SIZE + 3)]);

/** The policy driven by key names. */
function byKey<P extends EvictionPolicy>(p: P) {
  return {
    p,
    add: (k: string) => p.add(slotOf(k)),
    touch: (k: string) => p.touch(slotOf(k)),
    remove: (k: string) => p.remove(slotOf(k)),
    victim: (exclude?: string) => keyOf(p.victim(exclude === undefined ? undefined : slotOf(exclude))),
  };
}

describe('LruPolicy', () => {
  it('evicts in recency order, skipping the excluded key', () => {
    const p = byKey(new LruPolicy());
    for (const k of ['a', 'b', 'c']) p.add(k);
    p.touch('a');
    expect(p.victim()).toBe('b');
    expect(p.victim('b')).toBe('c');
    p.remove('b');
    expect(p.victim()).toBe('c');
    p.p.clear();
    expect(p.victim()).toBeUndefined();
    p.add('c');
    expect(p.victim()).toBe('c');
  });

  it('has no victim when only the excluded key is left', () => {
    const p = byKey(createEvictionPolicy('lru'));
    p.add('a');
    expect(p.victim('a')).toBeUndefined();
  });

  it('touching the most recent, the least recent and a middle key keeps the list consistent', () => {
    const p = byKey(new LruPolicy());
    for (const k of ['a', 'b', 'c', 'd']) p.add(k);
    p.touch('d');
    p.touch('a');
    p.touch('c');
    // order now: b, d, a, c
    const order: string[] = [];
    for (let v = p.victim(); v !== undefined; v = p.victim()) {
      order.push(v);
      p.remove(v);
    }
    expect(order).toEqual(['b', 'd', 'a', 'c']);
  });

  it('property: the victim matches a reference model (least recent use)', () => {
    const opArb = fc.tuple(fc.constantFrom('add', 'touch', 'remove', 'victim'), fc.constantFrom(...KEYS), fc.option(fc.constantFrom(...KEYS)));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const p = byKey(new LruPolicy());
        const model: string[] = [];
        for (const [op, key, exclude] of ops) {
          if (op === 'add' || op === 'touch') {
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
            model.push(key);
            p[op](key);
          } else if (op === 'remove') {
            if (model.includes(key)) model.splice(model.indexOf(key), 1);
            p.remove(key);
          } else {
            expect(p.victim(exclude ?? undefined)).toBe(model.find((k) => k !== exclude));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('LfuPolicy', () => {
  it('evicts the lowest count, ties by least recent use', () => {
    const p = byKey(new LfuPolicy());
    for (const k of ['a', 'b', 'c']) p.add(k);
    p.touch('b');
    p.touch('a');
    expect(p.victim()).toBe('c');
    p.touch('c');
    expect(p.victim()).toBe('b'); // all at 2; b reached 2 first
    expect(p.p.accessCount(slotOf('a'))).toBe(2);
  });

  it('looks past the smallest bucket when it only holds the excluded key', () => {
    const p = byKey(new LfuPolicy());
    p.add('a');
    p.add('b');
    p.touch('b');
    p.add('c');
    p.touch('c');
    p.touch('c');
    expect(p.victim('a')).toBe('b');
    expect(p.victim()).toBe('a');
    p.remove('a');
    p.remove('b');
    expect(p.victim('c')).toBeUndefined();
    expect(p.victim()).toBe('c');
    expect(p.p.accessCount(slotOf('a'))).toBeUndefined();
  });

  it('add of a known key counts as a use; touch of an unknown key adds it', () => {
    const p = byKey(new LfuPolicy());
    p.add('a');
    p.add('a');
    p.touch('z');
    expect(p.p.accessCount(slotOf('a'))).toBe(2);
    expect(p.p.accessCount(slotOf('z'))).toBe(1);
    expect(p.victim()).toBe('z');
  });

  it('property: the victim matches a reference model (min count, then least recent)', () => {
    const opArb = fc.tuple(fc.constantFrom('add', 'touch', 'remove', 'victim', 'clear'), fc.constantFrom(...KEYS), fc.option(fc.constantFrom(...KEYS)));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const p = byKey(new LfuPolicy());
        const model = new Map<string, { count: number; last: number }>();
        let t = 0;
        for (const [op, key, exclude] of ops) {
          if (op === 'add' || op === 'touch') {
            const m = model.get(key);
            model.set(key, { count: (m?.count ?? 0) + 1, last: t++ });
            p[op](key);
          } else if (op === 'remove') {
            model.delete(key);
            p.remove(key);
          } else if (op === 'clear') {
            model.clear();
            p.p.clear();
          } else {
            const candidates = [...model].filter(([k]) => k !== exclude);
            candidates.sort(([, x], [, y]) => x.count - y.count || x.last - y.last);
            expect(p.victim(exclude ?? undefined)).toBe(candidates[0]?.[0]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
