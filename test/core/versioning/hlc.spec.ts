import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/time/clock.js';
import { HybridLogicalClock, SKEW_WARN_MS } from '../../../src/core/versioning/hlc.js';

const T0 = 1_700_000_000_000;

describe('HybridLogicalClock (docs/cluster.md §6)', () => {
  it('issues wall_ms × 1000 when the wall clock moves and strictly increases', () => {
    const clock = new ManualClock(T0);
    const hlc = new HybridLogicalClock(clock);
    expect(hlc.next()).toBe(T0 * 1000);
    clock.advance(1);
    expect(hlc.next()).toBe((T0 + 1) * 1000);
    expect(hlc.current()).toBe((T0 + 1) * 1000);
  });

  it('counts logically while the wall clock stalls and carries into the physical part', () => {
    const clock = new ManualClock(T0);
    const hlc = new HybridLogicalClock(clock);
    const versions = Array.from({ length: 1500 }, () => hlc.next());
    expect(versions[1]).toBe(T0 * 1000 + 1);
    expect(versions[999]).toBe(T0 * 1000 + 999);
    expect(versions[1000]).toBe((T0 + 1) * 1000); // logical overflow carries
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBe(versions[i - 1]! + 1);
    // The wall clock catching up to the carried physical part does not repeat a version.
    clock.advance(1);
    expect(hlc.next()).toBe(versions[1499]! + 1);
  });

  it('keeps increasing when the wall clock goes backwards', () => {
    const clock = new ManualClock(T0);
    const hlc = new HybridLogicalClock(clock);
    const v1 = hlc.next();
    clock.set(T0 - 60_000);
    expect(hlc.next()).toBe(v1 + 1);
  });

  it('observe() of a larger version moves next() above it; smaller ones change nothing', () => {
    const clock = new ManualClock(T0);
    const hlc = new HybridLogicalClock(clock);
    const remote = (T0 + 5000) * 1000 + 42;
    hlc.observe(remote);
    expect(hlc.next()).toBe(remote + 1);
    hlc.observe(T0 * 1000);
    expect(hlc.next()).toBe(remote + 2);
  });

  it('reports clock skew only for versions more than 10 s ahead of wall time, and still accepts them', () => {
    const clock = new ManualClock(T0);
    const skews: number[] = [];
    const hlc = new HybridLogicalClock(clock, (ahead) => skews.push(ahead));
    hlc.observe((T0 + SKEW_WARN_MS) * 1000 + 999);
    expect(skews).toEqual([]);
    const far = (T0 + SKEW_WARN_MS + 1) * 1000;
    hlc.observe(far);
    expect(skews).toEqual([SKEW_WARN_MS + 1]);
    expect(hlc.next()).toBe(far + 1);
  });

  it('property: next() strictly increases and exceeds every observed version under arbitrary clock moves', () => {
    const step = fc.oneof(
      fc.record({ t: fc.constant('next' as const) }),
      fc.record({ t: fc.constant('observe' as const), deltaMs: fc.integer({ min: -100_000, max: 100_000 }), logical: fc.integer({ min: 0, max: 999 }) }),
      fc.record({ t: fc.constant('clock' as const), deltaMs: fc.integer({ min: -100_000, max: 100_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const clock = new ManualClock(T0);
        const hlc = new HybridLogicalClock(clock);
        let last = -Infinity;
        let maxObserved = -Infinity;
        for (const s of steps) {
          if (s.t === 'clock') clock.set(clock.now() + s.deltaMs);
          else if (s.t === 'observe') {
            const v = (clock.now() + s.deltaMs) * 1000 + s.logical;
            hlc.observe(v);
            maxObserved = Math.max(maxObserved, v);
          } else {
            const v = hlc.next();
            expect(v).toBeGreaterThan(last);
            expect(v).toBeGreaterThan(maxObserved);
            expect(v).toBeGreaterThanOrEqual(clock.now() * 1000);
            expect(Number.isSafeInteger(v)).toBe(true);
            last = v;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
