import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/events.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { Rebalancer } from '../../../src/core/rebalance/rebalancer.js';
import type { ReplicationTransport } from '../../../src/core/replication/transport.js';
import { type Hash64, HashRing } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { systemClock } from '../../../src/core/time/clock.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const ENTRIES = 100_000;

describe('rebalance scan of a large store', () => {
  it(`scans ${ENTRIES} entries in chunks, yielding to the event loop, and sends only the moving ones`, async () => {
    const counters = new CoreCounters(new StatsRecorder());
    const store = new LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000 }, systemClock, counters);
    const value = Buffer.from('value');
    const before = new HashRing(['a', 'b', 'c', 'd'], 64, hash);
    // The store holds what `a` owns (RF 3 of 4 nodes), as a settled node would.
    for (let i = 0; store.items < ENTRIES; i++) {
      if (!before.owners(`key-${i}`, 3).includes('a')) continue;
      store.apply({ kind: 'item', key: `key-${i}`, value, version: i + 1, origin: 'a', updatedAt: 0, expiresAt: 0 }, 'hard', 'replication');
    }
    const members = new MemberTable('a', 'a:7946', new EventBus());
    for (const id of ['b', 'c', 'd', 'e']) members.set({ ID: id, Address: `${id}:7946`, State: 'alive', Incarnation: 1 });
    let sent = 0;
    const transport: ReplicationTransport = {
      replicate: (_p, _s, entries) => {
        sent += entries.length;
        return Promise.resolve(entries.map(() => 'stale' as const));
      },
      read: () => Promise.reject(new Error('unused')),
      coordinate: () => Promise.reject(new Error('unused')),
      coordinateMany: () => Promise.reject(new Error('unused')),
    };
    let view = ['a', 'b', 'c', 'd'];
    const ringOf = (m: readonly string[]) => new HashRing(m, 64, hash);
    const rebalancer = new Rebalancer({
      nodeId: 'a', replication: 3, ring: () => ringOf(view), ringOf, members, store, transport: () => transport,
      hints: { enqueue: () => {} }, counters, clock: systemClock, scheduler: systemScheduler, isDraining: () => false, maxBatchBytes: 1 << 20,
    });
    view = ['a', 'b', 'c', 'd', 'e'];

    // Longest stretch the event loop was held while the scan ran.
    let turns = 0;
    let maxGapMs = 0;
    let last = performance.now();
    let running = true;
    const beat = () => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      turns++;
      if (running) setImmediate(beat);
    };
    setImmediate(beat);
    const started = performance.now();
    await rebalancer.tick();
    const elapsedMs = performance.now() - started;
    running = false;

    const scanMs = counters.dist.RebalanceLastNanos / 1e6;
    console.log(`rebalance scan of ${ENTRIES} entries: ${scanMs.toFixed(0)} ms (tick ${elapsedMs.toFixed(0)} ms), ` +
      `${sent} (entry, target) sends, longest event-loop block ${maxGapMs.toFixed(1)} ms over ${turns} turns`);
    expect(counters.rebalanceScans).toBe(1);
    expect(sent).toBe(counters.rebalanceMigrations.new_owner + counters.rebalanceMigrations.lost_ownership);
    expect(sent).toBeGreaterThan(ENTRIES / 10);
    expect(turns).toBeGreaterThanOrEqual(ENTRIES / 1000 - 1);
    expect(maxGapMs).toBeLessThan(250); // one 1000-entry chunk, with room for a busy shared machine
  });
});
