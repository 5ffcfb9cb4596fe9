import { describe, expect, it } from 'vitest';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { ReplicaReceiver } from '../../../src/core/replication/replica-receiver.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { HybridLogicalClock } from '../../../src/core/versioning/hlc.js';
import { T0, item, tomb } from '../store/fixtures.js';

const TOMBSTONE_TTL_MS = 60_000;

/** A receiver over a real store, HLC and counters on a manual clock; `noted` records the keys handed to the rebalancer. */
function receiver(capacity = 0) {
  const clock = new ManualClock(T0);
  const counters = new CoreCounters(new StatsRecorder());
  const store = new LocalStore({ capacity, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: TOMBSTONE_TTL_MS }, clock, counters);
  const hlc = new HybridLogicalClock(clock);
  const noted: string[] = [];
  const r = new ReplicaReceiver({ store, hlc, counters, noteReceived: (key) => noted.push(key) });
  return { r, clock, counters, store, hlc, noted };
}

const v = (msAfterT0: number, counter = 0) => (T0 + msAfterT0) * 1000 + counter;

describe('ReplicaReceiver.apply (the replicate peer op)', () => {
  it('applies newer entries, answers stale for older or equal ones, and hands only applied keys to the rebalancer', () => {
    const { r, store, noted, counters } = receiver();
    expect(r.apply('replication', [item('a', 'new', v(10)), item('b', 'x', v(5))])).toEqual(['applied', 'applied']);
    expect(r.apply('replication', [item('a', 'old', v(1)), item('b', 'same', v(5))])).toEqual(['stale', 'stale']);
    expect(store.read('a')?.value.toString()).toBe('new');
    expect(store.read('b')?.value.toString()).toBe('x');
    expect(noted).toEqual(['a', 'b']);
    expect(counters.staleApplies.get('replication')).toBe(2);
  });

  it('observes every version in the HLC first, stale ones included, so the next local write orders after it', () => {
    const { r, hlc } = receiver();
    const ahead = v(5_000, 7);
    r.apply('hint', [item('k', 'v', ahead)]);
    r.apply('hint', [item('k', 'older', v(1))]);
    expect(hlc.next()).toBe(ahead + 1);
    const { r: r2, hlc: hlc2 } = receiver();
    r2.apply('repair', [item('k', 'v', v(9_000))]);
    r2.apply('repair', [item('k', 'v', v(9_000))]);
    expect(hlc2.next()).toBe(v(9_000) + 1);
  });

  it('hard sources evict to fit at capacity; soft sources skip a new key that does not fit', () => {
    const { r, store, noted, counters } = receiver(1);
    expect(r.apply('replication', [item('first', 'v', v(1))])).toEqual(['applied']);
    // Soft (repair, merkle, migration): the new key is skipped, reported as stale to the sender.
    for (const source of ['repair', 'merkle', 'migration'] as const) {
      expect(r.apply(source, [item(`soft-${source}`, 'v', v(2))])).toEqual(['stale']);
      expect(counters.appliesSkipped.get(source)).toBe(1);
    }
    expect(store.read('first')).toBeDefined();
    // Hard (replication, hint, handoff): the new key is stored and an older one evicted.
    expect(r.apply('handoff', [item('second', 'v', v(3))])).toEqual(['applied']);
    expect(store.read('second')).toBeDefined();
    expect(store.items).toBe(1);
    expect(noted).toEqual(['first', 'second']);
  });

  it('a tombstone past its TTL is stale; a live one deletes the older item', () => {
    const { r, clock, store } = receiver();
    r.apply('replication', [item('k', 'v', v(1))]);
    expect(r.apply('replication', [tomb('k', v(2), 'n1', T0 - TOMBSTONE_TTL_MS - 1)])).toEqual(['stale']);
    expect(store.read('k')).toBeDefined();
    clock.advance(1_000);
    expect(r.apply('replication', [tomb('k', v(2), 'n1', clock.now())])).toEqual(['applied']);
    expect(store.read('k')).toBeUndefined();
  });
});

describe('ReplicaReceiver.read (the read peer op)', () => {
  it('answers items and live tombstones, undefined otherwise, and counts the misses', () => {
    const { r, clock, counters } = receiver();
    r.apply('replication', [item('live', 'v', v(1)), tomb('gone', v(1), 'n1', clock.now())]);
    const [live, gone, missing] = r.read(['live', 'gone', 'missing']);
    expect(live?.kind).toBe('item');
    expect(gone?.kind).toBe('tombstone');
    expect(missing).toBeUndefined();
    expect(counters.dist.ReplicaGetMiss).toBe(1);
    // The tombstone's TTL passes on the manual clock: it is no longer an answer, and counts as a miss.
    clock.advance(TOMBSTONE_TTL_MS);
    expect(r.read(['gone', 'live'])).toEqual([undefined, expect.objectContaining({ key: 'live' })]);
    expect(counters.dist.ReplicaGetMiss).toBe(2);
  });
});
