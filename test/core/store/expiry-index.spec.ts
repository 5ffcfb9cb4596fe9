import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryIndex } from '../../../src/core/store/expiry-index.js';
import { SeededRandom } from '../../../src/core/time/random.js';

describe('ExpiryIndex', () => {
  it('property: add/remove keep the set exact; samples are distinct members of the right size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 })), { maxLength: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (ops, n, seed) => {
          const index = new ExpiryIndex();
          const model = new Set<number>();
          for (const [add, i] of ops) {
            const key = i * 7919; // slots across several column chunks
            if (add) {
              index.add(key);
              model.add(key);
            } else {
              index.remove(key);
              model.delete(key);
            }
          }
          expect(index.size).toBe(model.size);
          expect(new Set(index.all())).toEqual(model);
          const sample = index.sample(n, new SeededRandom(seed));
          expect(sample.length).toBe(Math.min(n, model.size));
          expect(new Set(sample).size).toBe(sample.length);
          for (const k of sample) expect(model.has(k)).toBe(true);
        },
      ),
    );
  });

  it('clear empties it', () => {
    const index = new ExpiryIndex();
    index.add(3);
    expect(index.has(3)).toBe(true);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.has(3)).toBe(false);
    expect(index.sample(5, new SeededRandom(1))).toEqual([]);
  });
});
