import { describe, expect, it } from 'vitest';
import { HintQueue } from '../../../src/core/hints/hint-queue.js';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { T0, item, tomb } from '../store/fixtures.js';

function setup(limits: Partial<{ ttlMs: number; maxPerNode: number; maxBytes: number }> = {}) {
  const clock = new ManualClock(T0);
  const counters = new CoreCounters(new StatsRecorder());
  const queue = new HintQueue({ ttlMs: 30_000, maxPerNode: 10_000, maxBytes: 1 << 20, ...limits }, clock, counters);
  return { clock, counters, queue };
}

const keysOf = (q: HintQueue, target: string) => q.hintsFor(target).map((h) => h.entry.key);

describe('HintQueue (docs/cluster.md §8.2)', () => {
  it('keeps one hint per (target, key): a newer entry replaces the queued one, an older or equal one is dropped', () => {
    const { queue, counters } = setup();
    queue.enqueue('n2', item('k', 'v1', 10), 'replication');
    queue.enqueue('n2', item('k', 'old', 5), 'replication');
    queue.enqueue('n2', item('k', 'same', 10), 'replication');
    expect(queue.hintsFor('n2').map((h) => h.entry.version)).toEqual([10]);
    queue.enqueue('n2', tomb('k', 11), 'replication');
    expect(queue.hintsFor('n2').map((h) => h.entry.kind)).toEqual(['tombstone']);
    expect(queue.pending).toBe(1);
    expect(counters.dist.HintedQueued).toBe(2);
    expect(counters.dist.HintedPending).toBe(1);
    // The same key for another target is its own hint.
    queue.enqueue('n3', item('k', 'v1', 10), 'replication');
    expect(queue.pending).toBe(2);
  });

  it('drops the target\'s oldest hint over HINT_MAX_PER_NODE (per_node_cap), leaving other targets alone', () => {
    const { queue, counters } = setup({ maxPerNode: 3 });
    queue.enqueue('n3', item('other', 'x', 1), 'replication');
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.enqueue('n2', item(k, 'v', 1), 'replication');
    expect(keysOf(queue, 'n2')).toEqual(['c', 'd', 'e']);
    expect(keysOf(queue, 'n3')).toEqual(['other']);
    expect(counters.hintsDropped.per_node_cap).toBe(2);
    expect(counters.dist.HintedDropped).toBe(2);
    expect(counters.dist.HintedGlobalDropped).toBe(0);
  });

  it('drops the oldest hints overall until a new one fits HINT_MAX_BYTES (bytes_cap); bytes are key + value', () => {
    const { queue, counters } = setup({ maxBytes: 30 });
    queue.enqueue('n2', item('a', '123456789', 1), 'replication'); // 10 bytes
    queue.enqueue('n3', item('b', '123456789', 1), 'migration'); // 10 bytes
    queue.enqueue('n2', tomb('c', 1), 'handoff'); // 1 byte
    expect(queue.pendingBytes).toBe(21);
    queue.enqueue('n4', item('d', '1234567890123456789', 1), 'replication'); // 20 bytes: a and b must go
    expect(queue.pendingBytes).toBe(21);
    expect(keysOf(queue, 'n2')).toEqual(['c']);
    expect(keysOf(queue, 'n3')).toEqual([]);
    expect(counters.hintsDropped.bytes_cap).toBe(2);
    expect(counters.dist.HintedGlobalDropped).toBe(2);
    expect(counters.dist.MigrationHintDropped).toBe(1);
    expect(counters.dist.HintedBytes).toBe(21);
    // A hint larger than the whole budget is dropped without touching the queue.
    queue.enqueue('n2', item('huge', 'x'.repeat(40), 1), 'replication');
    expect(queue.pendingBytes).toBe(21);
    expect(counters.hintsDropped.bytes_cap).toBe(3);
  });

  it('expires hints HINT_TTL after they were queued, counted by source', () => {
    const { queue, clock, counters } = setup({ ttlMs: 1000 });
    queue.enqueue('n2', item('a', 'v', 1), 'replication');
    clock.advance(600);
    queue.enqueue('n2', item('b', 'v', 1), 'migration');
    clock.advance(399);
    expect(queue.expire()).toBe(0);
    clock.advance(1);
    expect(queue.expire()).toBe(1);
    expect(keysOf(queue, 'n2')).toEqual(['b']);
    clock.advance(600);
    expect(queue.expire()).toBe(1);
    expect(queue.pending).toBe(0);
    expect(counters.hintsExpired).toEqual({ replication: 1, migration: 1, handoff: 0 });
    expect(counters.dist.HintedExpired).toBe(2);
    expect(counters.dist.MigrationHintExpired).toBe(1);
    expect(counters.dist.HintedPending).toBe(0);
  });

  it('a delivered hint leaves the queue, unless a newer one replaced it while it was in flight', () => {
    const { queue, counters } = setup();
    queue.enqueue('n2', item('a', 'v1', 1), 'replication');
    const [inFlight] = queue.hintsFor('n2');
    queue.enqueue('n2', item('a', 'v2', 2), 'replication');
    queue.delivered(inFlight!);
    expect(queue.hintsFor('n2').map((h) => h.entry.version)).toEqual([2]);
    queue.delivered(queue.hintsFor('n2')[0]!);
    expect(queue.pending).toBe(0);
    expect(counters.hintsReplayed.replication).toBe(1);
    expect(counters.dist.HintedReplayed).toBe(1);
  });

  it('knows when the oldest pending hint of each source was queued (a replaced hint counts from its replacement)', () => {
    const { queue, clock } = setup();
    expect(queue.oldestQueuedAt('migration')).toBeUndefined();
    queue.enqueue('n2', item('r', 'v', 1), 'replication');
    clock.advance(1000);
    queue.enqueue('n2', item('m1', 'v', 1), 'migration');
    clock.advance(1000);
    queue.enqueue('n3', item('m2', 'v', 1), 'migration');
    expect(queue.oldestQueuedAt('replication')).toBe(T0);
    expect(queue.oldestQueuedAt('migration')).toBe(T0 + 1000);
    expect(queue.oldestQueuedAt('handoff')).toBeUndefined();
    clock.advance(1000);
    queue.enqueue('n2', item('m1', 'v2', 2), 'migration');
    expect(queue.oldestQueuedAt('migration')).toBe(T0 + 2000);
    queue.dropAll('shutdown');
    expect(queue.oldestQueuedAt('migration')).toBeUndefined();
  });

  it('dropAll empties every queue with one reason', () => {
    const { queue, counters } = setup();
    queue.enqueue('n2', item('a', 'v', 1), 'replication');
    queue.enqueue('n3', item('a', 'v', 1), 'handoff');
    expect(queue.dropAll('shutdown')).toBe(2);
    expect(queue.targets()).toEqual([]);
    expect(counters.hintsDropped.shutdown).toBe(2);
    expect(counters.dist.HintedPending).toBe(0);
    expect(counters.dist.HintedBytes).toBe(0);
  });
});
