import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Versioned, compareOrigin, compareVersioned } from '../../../src/core/versioning/order.js';

const sign = (n: number) => Math.sign(n) + 0;
const originArb = fc.oneof(
  fc.constantFrom('', 'node-1', 'node-2', 'Node-1', 'é', 'z', '\uffff', '😀', '\ue000'),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const versionedArb: fc.Arbitrary<Versioned> = fc.record({ version: fc.integer({ min: 0, max: 3 }), origin: originArb });

describe('compareVersioned (docs/cluster.md §6)', () => {
  it('higher version wins, then the larger origin', () => {
    expect(compareVersioned({ version: 2, origin: 'a' }, { version: 1, origin: 'z' })).toBeGreaterThan(0);
    expect(compareVersioned({ version: 1, origin: 'a' }, { version: 1, origin: 'b' })).toBeLessThan(0);
    expect(compareVersioned({ version: 1, origin: 'n' }, { version: 1, origin: 'n' })).toBe(0);
  });

  it('compares origins as UTF-8 bytes, not UTF-16 code units', () => {
    expect(compareOrigin('é', 'z')).toBeGreaterThan(0);
    expect(compareOrigin('node-1', 'node-10')).toBeLessThan(0);
    // U+1F600 is D83D DE00 in UTF-16 (below U+FFFF) but F0 9F 98 80 in UTF-8 (above EF BF BF).
    expect('😀' < '\uffff').toBe(true);
    expect(compareOrigin('😀', '\uffff')).toBeGreaterThan(0);
    expect(compareVersioned({ version: 5, origin: '\uffff' }, { version: 5, origin: '😀' })).toBeLessThan(0);
  });

  it('property: total order (antisymmetric, transitive, 0 only for equal pairs, agrees with UTF-8 bytes)', () => {
    fc.assert(
      fc.property(versionedArb, versionedArb, versionedArb, (a, b, c) => {
        const ab = sign(compareVersioned(a, b));
        expect(sign(compareVersioned(b, a))).toBe(sign(-ab));
        expect(ab === 0).toBe(a.version === b.version && a.origin === b.origin);
        if (a.version === b.version) {
          expect(ab).toBe(sign(Buffer.compare(Buffer.from(a.origin), Buffer.from(b.origin))));
        }
        if (ab <= 0 && compareVersioned(b, c) <= 0) expect(compareVersioned(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: sorting by compareVersioned gives the same result from any input order', () => {
    fc.assert(
      fc.property(fc.array(versionedArb, { maxLength: 20 }), fc.integer(), (xs, seed) => {
        const shuffled = [...xs].sort((p, q) => ((p.version * 31 + p.origin.length) ^ seed) - ((q.version * 31 + q.origin.length) ^ seed));
        const key = (v: Versioned) => `${v.version}|${v.origin}`;
        expect([...xs].sort(compareVersioned).map(key)).toEqual(shuffled.sort(compareVersioned).map(key));
      }),
    );
  });
});
