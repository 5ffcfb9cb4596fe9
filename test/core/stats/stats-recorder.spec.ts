import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';

describe('StatsRecorder (docs/api.md §2.2)', () => {
  it('a fresh recorder returns {}', () => {
    expect(new StatsRecorder().snapshot()).toEqual({});
  });

  it('summarises an odd number of samples', () => {
    const s = new StatsRecorder();
    for (const v of [5, 1, 3]) s.record('item_count', v);
    expect(s.snapshot()).toEqual({
      item_count: { Mean: 3, Median: 3, Min: 1, Max: 5, Values: [1, 3, 5], Count: 3, Sum: 9, Variance: 8 / 3 },
    });
  });

  it('takes the mean of the middle pair for an even count; variance is the population variance', () => {
    const s = new StatsRecorder();
    for (const v of [4, 1, 10, 3]) s.record('eviction_loop_duration', v);
    const got = s.snapshot().eviction_loop_duration!;
    expect(got.Median).toBe(3.5);
    expect(got.Mean).toBe(4.5);
    expect(got.Values).toEqual([1, 3, 4, 10]);
    // ((1-4.5)² + (3-4.5)² + (4-4.5)² + (10-4.5)²) / 4 = (12.25 + 2.25 + 0.25 + 30.25) / 4
    expect(got.Variance).toBe(11.25);
    expect([got.Min, got.Max, got.Sum, got.Count]).toEqual([1, 10, 18, 4]);
  });

  it('keeps stats apart and omits stats without samples', () => {
    const s = new StatsRecorder();
    s.record('expiration_trigger_coalesced', 1);
    expect(Object.keys(s.snapshot())).toEqual(['expiration_trigger_coalesced']);
  });

  it('retains only the last 4096 samples of a stat', () => {
    const s = new StatsRecorder();
    for (let i = 0; i < 5000; i++) s.record('item_count', i);
    const got = s.snapshot().item_count!;
    expect(got.Count).toBe(4096);
    expect(got.Min).toBe(5000 - 4096);
    expect(got.Max).toBe(4999);
    expect(got.Values).toEqual(Array.from({ length: 4096 }, (_, i) => 904 + i));
  });

  it('property: the summary equals a direct computation over the last `window` samples', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 }), (window, xs) => {
        const s = new StatsRecorder(window);
        for (const x of xs) s.record('expired_item_count', x);
        const kept = xs.slice(-window).sort((a, b) => a - b);
        const got = s.snapshot().expired_item_count!;
        const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
        expect(got.Values).toEqual(kept);
        expect(got.Count).toBe(kept.length);
        expect(got.Mean).toBeCloseTo(mean, 6);
        expect(got.Variance).toBeCloseTo(kept.reduce((a, v) => a + (v - mean) ** 2, 0) / kept.length, 3);
        const n = kept.length;
        expect(got.Median).toBe(n % 2 ? kept[(n - 1) / 2] : (kept[n / 2 - 1]! + kept[n / 2]!) / 2);
      }),
    );
  });

  it('snapshot does not disturb the retained order (later samples still replace the oldest)', () => {
    const s = new StatsRecorder(3);
    for (const v of [9, 8, 7]) s.record('item_count', v);
    s.snapshot();
    s.record('item_count', 1);
    expect(s.snapshot().item_count!.Values).toEqual([1, 7, 8]);
  });
});
