import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LfuPolicy, LruPolicy, createEvictionPolicy } from '../../../src/core/store/eviction-policy.js';

describe('LruPolicy', () => {
  it('evicts in recency order, skipping the excluded key', () => {
    const p = new LruPolicy();
    for (const k of ['a', 'b', 'c']) p.add(k);
    p.touch('a');
    expect(p.victim()).toBe('b');
    expect(p.victim('b')).toBe('c');
    p.remove('b');
    expect(p.victim()).toBe('c');
    p.clear();
    expect(p.victim()).toBeUndefined();
  });

  it('has no victim when only the excluded key is left', () => {
    const p = createEvictionPolicy('lru');
    p.add('a');
    expect(p.victim('a')).toBeUndefined();
  });
});

describe('LfuPolicy', () => {
  it('evicts the lowest count, ties by least recent use', () => {
    const p = new LfuPolicy();
    for (const k of ['a', 'b', 'c']) p.add(k);
    p.touch('b');
    p.touch('a');
    expect(p.victim()).toBe('c');
    p.touch('c');
    expect(p.victim()).toBe('b'); // all at 2; b reached 2 first
    expect(p.accessCount('a')).toBe(2);
  });

  it('looks past the smallest bucket when it only holds the excluded key', () => {
    const p = new LfuPolicy();
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
  });

  it('add of a known key counts as a use; touch of an unknown key adds it', () => {
    const p = new LfuPolicy();
    p.add('a');
    p.add('a');
    p.touch('z');
    expect(p.accessCount('a')).toBe(2);
    expect(p.accessCount('z')).toBe(1);
    expect(p.victim()).toBe('z');
  });

  it('property: the victim matches a reference model (min count, then least recent)', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const opArb = fc.tuple(fc.constantFrom('add', 'touch', 'remove', 'victim'), fc.constantFrom(...keys), fc.option(fc.constantFrom(...keys)));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const p = new LfuPolicy();
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
