import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/events.js';
import type { HintSource } from '../../../src/core/metrics/core-counters.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { BatchSender, MIGRATION_BATCH, MIGRATION_TIMEOUT_MS } from '../../../src/core/rebalance/batch-sender.js';
import { Rebalancer } from '../../../src/core/rebalance/rebalancer.js';
import type { ReplicationTransport } from '../../../src/core/replication/transport.js';
import { TransportError } from '../../../src/core/replication/transport.js';
import { type Hash64, HashRing } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';
import { T0, item } from '../store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const PEERS = ['p1', 'p2', 'p3'];

/** Node `a` alone (RF 1) holding `count` items; `grow()` adds three peers, so most keys leave `a`. */
function lonelyNode(count: number, transport: ReplicationTransport) {
  const clock = new ManualClock(T0);
  const counters = new CoreCounters(new StatsRecorder());
  const store = new LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000 }, clock, counters);
  for (let i = 0; i < count; i++) store.apply(item(`k${i}`, 'v', i + 1), 'hard', 'replication');
  const members = new MemberTable('a', 'a:7946', new EventBus());
  for (const id of PEERS) members.set({ ID: id, Address: `${id}:7946`, State: 'alive', Incarnation: 1 });
  let view = ['a'];
  const ringOf = (m: readonly string[]) => new HashRing(m, 16, hash);
  const hints: { target: string; key: string; source: HintSource }[] = [];
  const rebalancer = new Rebalancer({
    nodeId: 'a', replication: 1, ring: () => ringOf(view), ringOf, members, store,
    transport: () => transport, hints: { enqueue: (target, entry, source) => hints.push({ target, key: entry.key, source }) },
    counters, clock, scheduler: systemScheduler, isDraining: () => false, maxBatchBytes: 1 << 20,
  });
  const grow = () => (view = ['a', ...PEERS]);
  return { rebalancer, counters, hints, grow, store, ringOf };
}

describe('migration batches (docs/cluster.md §8.4, docs/configuration.md §6)', () => {
  it('batches hold at most 128 entries, at most 2 are in flight, every entry goes once to its owner', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const batches: { to: string; keys: string[]; source: string }[] = [];
    const transport: ReplicationTransport = {
      replicate: async (peer, source, entries) => {
        batches.push({ to: peer.id, keys: entries.map((e) => e.key), source });
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setImmediate(r)); // answer on a later turn of the loop
        inFlight--;
        return entries.map(() => 'applied' as const);
      },
      read: () => Promise.reject(new Error('unused')),
      coordinate: () => Promise.reject(new Error('unused')),
      coordinateMany: () => Promise.reject(new Error('unused')),
    };
    const n = lonelyNode(1000, transport);
    n.grow();
    await n.rebalancer.tick();

    const ring = n.ringOf(['a', ...PEERS]);
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 1000; i++) {
      const [owner] = ring.owners(`k${i}`, 1) as [string];
      if (owner !== 'a') expected.set(owner, [...(expected.get(owner) ?? []), `k${i}`]);
    }
    expect(maxInFlight).toBe(2);
    expect(batches.every((b) => b.keys.length <= MIGRATION_BATCH && b.source === 'migration')).toBe(true);
    const wantBatches = [...expected.values()].reduce((s, keys) => s + Math.ceil(keys.length / MIGRATION_BATCH), 0);
    expect(batches.length).toBe(wantBatches);
    for (const [owner, keys] of expected) {
      expect(batches.filter((b) => b.to === owner).flatMap((b) => b.keys).sort()).toEqual([...keys].sort());
    }
    const sent = [...expected.values()].reduce((s, keys) => s + keys.length, 0);
    expect(n.counters.dist.RebalanceBatches).toBe(wantBatches);
    // Batches beyond the two slots waited for one (RebalanceReplicaDiffThrottle).
    expect(n.counters.dist.RebalanceReplicaDiffThrottle).toBeGreaterThan(0);
    expect(n.counters.dist.RebalanceReplicaDiffThrottle).toBeLessThanOrEqual(wantBatches - 2);
    expect(n.counters.rebalanceMigrations).toEqual({ new_owner: 0, lost_ownership: sent, handoff: 0 });
    expect(n.counters.rebalanceScans).toBe(1);
    expect(n.rebalancer.pendingDrops).toBe(sent);
  });

  it(`a peer that never answers is cut off after ${MIGRATION_TIMEOUT_MS} ms and its entries are hinted`, async () => {
    const hang = new Set(['p2']);
    const transport: ReplicationTransport = {
      replicate: (peer, _source, entries) =>
        hang.has(peer.id) ? new Promise<never>(() => {}) : Promise.resolve(entries.map(() => 'applied' as const)),
      read: () => Promise.reject(new Error('unused')),
      coordinate: () => Promise.reject(new Error('unused')),
      coordinateMany: () => Promise.reject(new Error('unused')),
    };
    const n = lonelyNode(200, transport);
    n.grow();
    const started = Date.now();
    await n.rebalancer.tick();
    expect(Date.now() - started).toBeGreaterThanOrEqual(MIGRATION_TIMEOUT_MS - 100);
    const toP2 = Array.from({ length: 200 }, (_, i) => `k${i}`).filter((k) => n.ringOf(['a', ...PEERS]).owners(k, 1)[0] === 'p2');
    expect(n.hints.map((h) => h.key).sort()).toEqual(toP2.sort());
    expect(n.hints.every((h) => h.target === 'p2' && h.source === 'migration')).toBe(true);
  });

  it('a refused batch hints every entry of that batch only', async () => {
    const transport: ReplicationTransport = {
      replicate: (peer, _s, entries: Entry[]) =>
        peer.id === 'p1' ? Promise.reject(new TransportError('not-sent', 'ECONNREFUSED')) : Promise.resolve(entries.map(() => 'stale' as const)),
      read: () => Promise.reject(new Error('unused')),
      coordinate: () => Promise.reject(new Error('unused')),
      coordinateMany: () => Promise.reject(new Error('unused')),
    };
    const n = lonelyNode(300, transport);
    n.grow();
    await n.rebalancer.tick();
    const owners = Array.from({ length: 300 }, (_, i) => n.ringOf(['a', ...PEERS]).owners(`k${i}`, 1)[0]);
    expect(n.hints.length).toBe(owners.filter((o) => o === 'p1').length);
    // Stale answers are deliveries: counted, not hinted.
    expect(n.counters.rebalanceMigrations.lost_ownership).toBe(owners.filter((o) => o === 'p2' || o === 'p3').length);
  });

  it('a batch also stays within the byte budget (docs/peer-protocol.md §4): an entry that would overflow starts the next batch', async () => {
    const members = new MemberTable('a', 'a:7946', new EventBus());
    members.set({ ID: 'p1', Address: 'p1:7946', State: 'alive', Incarnation: 1 });
    const sizes: number[][] = [];
    const transport: ReplicationTransport = {
      replicate: async (_peer, _source, entries) => {
        sizes.push(entries.map((e) => (e.kind === 'item' ? e.value.length + e.key.length : e.key.length)));
        return entries.map(() => 'applied' as const);
      },
      read: () => Promise.reject(new Error('unused')),
      coordinate: () => Promise.reject(new Error('unused')),
      coordinateMany: () => Promise.reject(new Error('unused')),
    };
    const sender = new BatchSender({
      members, transport: () => transport, hints: { enqueue: () => {} }, maxBatchBytes: 100, scheduler: systemScheduler, source: 'migration',
      onBatch: () => {}, onPostponed: () => {}, onDelivered: () => {},
    });
    for (let i = 0; i < 5; i++) await sender.add('p1', item(`k${i}`, 'x'.repeat(38), 1), 'new_owner'); // 40 bytes each
    await sender.flush();
    expect(sizes).toEqual([[40, 40], [40, 40], [40]]);
    expect(sender.delivered).toBe(5);
  });
});
