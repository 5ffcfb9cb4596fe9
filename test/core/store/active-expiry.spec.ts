import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { type Random, SeededRandom } from '../../../src/core/time/random.js';
import { RecordingObserver, SlowHrClock, T0, item, tomb } from './fixtures.js';

function setup(clock = new ManualClock(T0)) {
  const observer = new RecordingObserver();
  const store = new LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000 }, clock, observer);
  return { clock, observer, store };
}

/** Picks indices 0, 1, 2, … (mod n): makes the sweep's samples predictable. */
class CountingRandom implements Random {
  private i = 0;
  int(n: number): number {
    return this.i++ % n;
  }
}

describe('active expiry sweep (docs/single-node.md §3)', () => {
  it('stops after a sample with at most 25 % expired', () => {
    const { store } = setup();
    // 40 keys with an expiry; the first sample is k0..k19 and holds exactly 5 expired (25 %).
    for (let i = 0; i < 40; i++) {
      const expired = i < 5 || i === 39;
      store.apply(item(`k${i}`, 'v', 1, 'n1', expired ? T0 : T0 + 60_000), 'hard', 'local');
    }
    expect(store.sweepExpired(20, 25, new CountingRandom())).toBe(5);
    expect(store.peek('k39')).toBeDefined();
  });

  it('repeats while more than 25 % of the sample expired', () => {
    const { store, observer } = setup();
    // 6 of the first 20 expired (30 %) → a second sample, which reaches k39.
    for (let i = 0; i < 40; i++) {
      const expired = i < 6 || i === 39;
      store.apply(item(`k${i}`, 'v', 1, 'n1', expired ? T0 : T0 + 60_000), 'hard', 'local');
    }
    expect(store.sweepExpired(20, 25, new CountingRandom())).toBe(7);
    expect(store.peek('k39')).toBeUndefined();
    expect(store.items).toBe(33);
    expect(observer.expirations).toEqual([{ trigger: 'sweep', count: 7 }]);
    expect(observer.sweeps).toEqual([{ removed: 7, itemsAfter: 33 }]);
  });

  it('stops when the time budget is spent', () => {
    const { store } = setup(new SlowHrClock(10_000_000n)); // every sample "takes" 10 ms
    for (let i = 0; i < 1000; i++) store.apply(item(`k${i}`, 'v', 1, 'n1', T0), 'hard', 'local');
    // Checks at 10, 20 and 30 ms after start: the third sample exhausts the 25 ms budget.
    expect(store.sweepExpired(20, 25, new SeededRandom(1))).toBe(60);
  });

  it('a periodic sweep with no item carrying an expiry does nothing and records no sweep (a fresh node keeps {} stats)', () => {
    const { store, observer } = setup();
    store.apply(item('k', 'v', 1), 'hard', 'local');
    expect(store.sweepExpired(20, 25, new SeededRandom(1))).toBe(0);
    expect(observer.sweeps).toEqual([]);
  });

  it('a triggered full sweep is always one recorded sweep (docs/api.md §2.2), even with nothing to examine', () => {
    const { store, observer } = setup();
    store.apply(item('k', 'v', 1), 'hard', 'local');
    expect(store.expireAll()).toBe(0);
    expect(observer.sweeps).toEqual([{ removed: 0, itemsAfter: 1 }]);
    expect(observer.expirations).toEqual([]);
  });

  it('a triggered full sweep also purges non-live tombstones (docs/api.md §2.8), keeping live ones', () => {
    const { store, clock, observer } = setup();
    store.apply(tomb('old', 1, 'n1', T0), 'hard', 'local');
    clock.advance(600_000);
    store.apply(tomb('new', 2, 'n1', clock.now()), 'hard', 'local');
    store.expireAll();
    expect(observer.purged).toBe(1);
    expect([...store.allEntries()].map((e) => e.key)).toEqual(['new']);
    expect(store.tombstoneCount).toBe(1);
  });

  it('expireAll removes exactly the expired items (trigger manual)', () => {
    const { store, clock, observer } = setup();
    for (let i = 0; i < 30; i++) store.apply(item(`k${i}`, 'v', 1, 'n1', T0 + 10 * i), 'hard', 'local');
    store.apply(item('forever', 'v', 1), 'hard', 'local');
    clock.advance(100); // k0..k10 have expiresAt ≤ now
    expect(store.expireAll()).toBe(11);
    expect(store.items).toBe(20);
    expect(store.peek('k10')).toBeUndefined();
    expect(store.peek('k11')).toBeDefined();
    expect(store.peek('forever')).toBeDefined();
    expect(observer.expirations).toEqual([{ trigger: 'manual', count: 11 }]);
    expect(observer.sweeps).toEqual([{ removed: 11, itemsAfter: 20 }]);
  });

  it('property: a sweep or a full sweep never removes an unexpired item, and a full sweep removes every expired one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -500, max: 500 }), { nil: undefined }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer(),
        fc.boolean(),
        (offsets, sampleSize, seed, full) => {
          const { store } = setup();
          const now = T0;
          // undefined = no expiry; otherwise expiresAt = now + offset (offset 0 is expired: expiresAt ≤ now).
          offsets.forEach((o, i) => store.apply(item(`k${i}`, 'v', 1, 'n1', o === undefined ? 0 : now + o), 'hard', 'local'));
          if (full) store.expireAll();
          else store.sweepExpired(sampleSize, 25, new SeededRandom(seed));
          offsets.forEach((o, i) => {
            const present = store.peek(`k${i}`) !== undefined;
            if (o === undefined || o > 0) expect(present).toBe(true);
            else if (full) expect(present).toBe(false);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
