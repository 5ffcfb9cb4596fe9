import { beforeAll, describe, expect, it } from 'vitest';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { CacheError } from '../../src/core/errors.js';
import type { Effect } from '../../src/core/membership/effects.js';
import { JOIN_GRACE_MS } from '../../src/core/membership/membership.js';
import { DIST_METRIC_KEYS, DIST_METRIC_STRING_KEYS } from '../../src/core/metrics/dist-metrics.js';
import { CacheNode, EXPIRY_INTERVAL_MS, TOMBSTONE_PURGE_INTERVAL_MS } from '../../src/core/node.js';
import type { PutCommand } from '../../src/core/node.types.js';
import type { Hash64 } from '../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../src/core/ring/xxhash64.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { SeededRandom } from '../../src/core/time/random.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { testConfig } from '../support/test-config.js';
import { SlowHrClock, T0, item } from './store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

function makeNode(overrides: Partial<HypercacheConfig> = {}, clock: ManualClock = new ManualClock(T0)) {
  const scheduler = new ManualScheduler();
  const loopErrors: unknown[] = [];
  const node = new CacheNode({
    config: testConfig(overrides),
    clock,
    random: new SeededRandom(1),
    hash,
    scheduler,
    onLoopError: (_loop, err) => loopErrors.push(err),
  });
  return { node, clock, scheduler, loopErrors };
}

const put = (key: string, value: string, more: Partial<PutCommand> = {}): PutCommand => ({
  key, value: Buffer.from(value), ttlMs: 0, consistency: 'quorum', ...more,
});

async function rejection(p: Promise<unknown>): Promise<CacheError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CacheError);
  return err as CacheError;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('CacheNode writes and reads (I15)', () => {
  it('round-trips put/get/delete with strictly increasing, ETag-able versions', async () => {
    const { node, clock } = makeNode();
    const w1 = await node.put(put('k', 'one'));
    expect(w1).toEqual({ version: T0 * 1000, acks: 1, n: 1, owners: ['node-test'], expiresAt: 0 });
    const w2 = await node.put(put('k', 'two')); // wall clock stalled: logical + 1
    clock.advance(5);
    const w3 = await node.put(put('k', 'three'));
    expect([w2.version, w3.version]).toEqual([w1.version + 1, (T0 + 5) * 1000]);

    const got = await node.get('k', 'one');
    expect(got?.value.toString()).toBe('three');
    expect(got?.origin).toBe('node-test');
    // ETag = "<version>": a safe integer that survives the decimal round trip.
    expect(Number.isSafeInteger(got!.version)).toBe(true);
    expect(Number(JSON.parse(`"${got!.version}"`))).toBe(w3.version);

    const d = await node.delete({ key: 'k', consistency: 'quorum' });
    expect(d.version).toBeGreaterThan(w3.version);
    expect(d.expiresAt).toBe(0);
    expect(node.store.peek('k')).toMatchObject({ kind: 'tombstone', version: d.version, origin: 'node-test', deletedAt: T0 + 5 });
    expect(await node.get('k', 'one')).toBeUndefined();
    expect(node.counters.cacheOps.get('get|hit')).toBe(1);
    expect(node.counters.cacheOps.get('get|miss')).toBe(1);
    expect(node.counters.cacheOps.get('put|ok')).toBe(3);
    expect(node.counters.cacheOps.get('delete|ok')).toBe(1);
  });

  it('fixes an absolute expiry at write time; the item is gone from expiresAt on', async () => {
    const { node, clock } = makeNode();
    const w = await node.put(put('k', 'v', { ttlMs: 1000 }));
    expect(w.expiresAt).toBe(T0 + 1000);
    clock.advance(999);
    expect((await node.get('k', 'one'))?.expiresAt).toBe(T0 + 1000);
    clock.advance(1);
    expect(await node.get('k', 'one')).toBeUndefined();
    expect(node.counters.expirations.read).toBe(1);
  });

  it('If-Match with a stale version → PRECONDITION_FAILED with the current version; nothing written, no version consumed', async () => {
    const { node } = makeNode();
    const v1 = (await node.put(put('k', 'one'))).version;
    const v2 = (await node.put(put('k', 'two'))).version;
    const before = node.hlc.current();
    const err = await rejection(node.put(put('k', 'three', { preconditions: { ifMatch: [v1] } })));
    expect(err.code).toBe('PRECONDITION_FAILED');
    expect(err.status).toBe(412);
    expect(err.details).toEqual({ version: v2 });
    expect(node.hlc.current()).toBe(before);
    expect((await node.get('k', 'one'))?.value.toString()).toBe('two');
    const delErr = await rejection(node.delete({ key: 'k', consistency: 'one', preconditions: { ifMatch: [v1] } }));
    expect(delErr.code).toBe('PRECONDITION_FAILED');
    expect(node.store.peek('k')?.kind).toBe('item');
    // The clock is stalled, so the next version is exactly v2 + 1.
    expect((await node.put(put('k', 'four', { preconditions: { ifMatch: [v2] } }))).version).toBe(v2 + 1);
    expect(node.distMetrics().PreconditionFailures).toBe(2);
    expect(node.counters.preconditionFailures).toEqual({ put: 1, delete: 1 });
    expect(node.counters.cacheOps.get('put|precondition_failed')).toBe(1);
  });

  it('If-None-Match * fails on an existing key and passes on absent or deleted keys', async () => {
    const { node } = makeNode();
    const created = await node.put(put('k', 'v', { preconditions: { ifNoneMatchAny: true } }));
    const err = await rejection(node.put(put('k', 'again', { preconditions: { ifNoneMatchAny: true } })));
    expect(err.code).toBe('PRECONDITION_FAILED');
    expect(err.details.version).toBe(created.version);
    await node.delete({ key: 'k', consistency: 'one' });
    await node.put(put('k', 'recreated', { preconditions: { ifNoneMatchAny: true } }));
    expect((await node.get('k', 'one'))?.value.toString()).toBe('recreated');
  });

  it('If-Match on a missing key fails without a version', async () => {
    const { node } = makeNode();
    const err = await rejection(node.delete({ key: 'nope', consistency: 'one', preconditions: { ifMatch: '*' } }));
    expect(err.code).toBe('PRECONDITION_FAILED');
    expect(err.details).toEqual({});
    expect(node.store.peek('nope')).toBeUndefined();
  });

  it('answers QUORUM_NOT_MET when the local ack is not enough, without rolling back (I6)', async () => {
    const { node } = makeNode({ replication: 3 });
    node.members.set({ ID: 'node-peer', Address: '127.0.0.1:1', State: 'alive', Incarnation: 1 });
    const key = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((k) => node.owners(k).includes('node-test'))!;
    expect(node.owners(key)).toHaveLength(2);
    const err = await rejection(node.put(put(key, 'v', { consistency: 'quorum' })));
    expect(err.code).toBe('QUORUM_NOT_MET');
    expect(err.details).toMatchObject({ acks: 1, n: 2 });
    expect((await node.get(key, 'one'))?.version).toBe(err.details.version);
    expect((await node.put(put(key, 'w', { consistency: 'one' }))).acks).toBe(1);
    expect(node.distMetrics().WriteQuorumFailures).toBe(1);
  });

  it('I14: CAPACITY=3 lru — PUT a,b,c; GET a; PUT d → b evicted', async () => {
    const { node } = makeNode({ capacity: 3 });
    for (const k of ['a', 'b', 'c']) await node.put(put(k, 'v'));
    await node.get('a', 'one');
    await node.put(put('d', 'v'));
    expect([...node.store.visibleKeys()].sort()).toEqual(['a', 'c', 'd']);
    expect(node.distMetrics().Evictions).toBe(1);
    expect(node.counters.evictions).toEqual({ capacity: 1, memory: 0 });
  });

  it('lists local keys in UTF-8 order with truncation', async () => {
    const { node } = makeNode();
    for (const k of ['b', '😀', '\uffff', 'a']) await node.put(put(k, 'v'));
    await node.delete({ key: 'b', consistency: 'one' });
    expect(await node.listKeys({ pattern: '', match: () => true, max: 2 })).toEqual({ keys: ['a', '\uffff'], truncated: true, partialNodes: [] });
    expect((await node.listKeys({ pattern: '', match: () => true, max: 10 })).keys).toEqual(['a', '\uffff', '😀']);
  });

  it('clear removes items and keeps tombstones', async () => {
    const { node } = makeNode();
    await node.put(put('a', 'v'));
    await node.put(put('b', 'v'));
    await node.delete({ key: 'b', consistency: 'one' });
    expect(node.clear()).toBe(1);
    expect(node.store.peek('b')?.kind).toBe('tombstone');
  });
});

describe('CacheNode draining (docs/lifecycle.md §4, I18)', () => {
  it('refuses writes with DRAINING, still serves reads, counts one drain, self becomes leaving', async () => {
    const { node } = makeNode();
    await node.put(put('k', 'v'));
    const events: string[] = [];
    node.events.subscribe((e) => events.push(e.type));
    expect(node.drain()).toBe(true);
    expect(node.drain()).toBe(false);
    expect(node.isDraining()).toBe(true);
    expect(node.members.self().State).toBe('leaving');
    expect(node.ring.members).toEqual([]);
    expect(events).toEqual(['member', 'members', 'draining']);

    const err = await rejection(node.put(put('k', 'new')));
    expect([err.code, err.status]).toEqual(['DRAINING', 503]);
    expect((await rejection(node.delete({ key: 'k', consistency: 'one' }))).code).toBe('DRAINING');
    expect((await node.get('k', 'one'))?.value.toString()).toBe('v');
    const m = node.distMetrics();
    expect(m.Drains).toBe(1);
    expect(m.MembersLeaving).toBe(1);
    expect(m.WriteAttempts).toBe(1);
    expect(node.counters.cacheOps.get('put|draining')).toBe(1);
  });
});

describe('CacheNode membership (docs/lifecycle.md §2, docs/cluster.md §2)', () => {
  it('drain goes through the membership: self leaving, the list pushed to every alive/suspect peer at once', () => {
    const announced: Effect[][] = [];
    const node = new CacheNode({
      config: testConfig(), clock: new ManualClock(T0), random: new SeededRandom(1), hash, onMembershipEffects: (e) => announced.push(e),
    });
    node.membership.receive({ op: 'gossip', members: [
      { ID: 'node-b', Address: '127.0.0.1:2', State: 'alive', Incarnation: 1 },
      { ID: 'node-c', Address: '127.0.0.1:3', State: 'suspect', Incarnation: 1 },
      { ID: 'node-d', Address: '127.0.0.1:4', State: 'dead', Incarnation: 1 },
    ] }, 'node-b', 0);
    node.drain();
    node.drain();
    expect(announced).toHaveLength(1);
    const pushes = announced[0]!.filter((e) => e.type === 'send');
    expect(pushes.map((e) => [e.toId, e.msg.op])).toEqual([['node-b', 'gossip'], ['node-c', 'gossip']]);
    const pushed = pushes[0]!.msg as { members: Array<{ ID: string; State: string }> };
    expect(pushed.members.find((m) => m.ID === 'node-test')?.State).toBe('leaving');
    expect(node.membership.isDraining()).toBe(true);
  });

  it('isJoined is the membership\'s: at once without seeds, not before a peer exchange or the join grace with seeds', () => {
    expect(makeNode().node.isJoined()).toBe(true);
    const { node } = makeNode({ seeds: [{ kind: 'addr', host: '127.0.0.1', port: 1, raw: '127.0.0.1:1' }] });
    expect(node.isJoined()).toBe(false);
    node.membership.start(0);
    node.membership.tick(JOIN_GRACE_MS);
    expect(node.isJoined()).toBe(true);
  });
});

describe('CacheNode admin actions and metrics', () => {
  it('scheduleExpiration coalesces while a run is pending (the run waits for the next event-loop turn)', async () => {
    const { node, clock, scheduler } = makeNode();
    await node.put(put('old', 'v', { ttlMs: 10 }));
    await node.put(put('young', 'v', { ttlMs: 10_000 }));
    clock.advance(10);
    expect(node.scheduleExpiration()).toBe(false);
    expect(node.scheduleExpiration()).toBe(true);
    expect(node.stats.snapshot().expiration_trigger_coalesced?.Count).toBe(1);
    expect(node.store.items).toBe(2);
    expect(scheduler.runDeferred()).toBe(1);
    expect(node.store.items).toBe(1);
    expect(node.counters.expirations.manual).toBe(1);
    expect(node.scheduleExpiration()).toBe(false);
    expect(scheduler.runDeferred()).toBe(1);
    expect(node.stats.snapshot().expiration_trigger_coalesced?.Count).toBe(1);
  });

  it('scheduleEviction coalesces into one pending pass, recorded in the stats even when nothing is evicted', async () => {
    const { node, scheduler } = makeNode();
    const p1 = node.scheduleEviction();
    expect(node.scheduleEviction()).toBe(p1);
    expect(scheduler.runDeferred()).toBe(1);
    expect(await p1).toBe(0);
    expect(node.stats.snapshot()).toMatchObject({
      eviction_loop_count: { Count: 1, Values: [1] },
      evicted_item_count: { Values: [0] },
      item_count: { Values: [0] },
    });
    expect(node.scheduleEviction()).not.toBe(p1);
  });

  it('TombstonesActive counts live tombstones only; trigger-expiration purges the expired ones', async () => {
    const { node, clock, scheduler } = makeNode({ tombstoneTtlMs: 1000 });
    await node.delete({ key: 'k', consistency: 'one' });
    expect(node.distMetrics().TombstonesActive).toBe(1);
    clock.advance(1000);
    expect(node.distMetrics().TombstonesActive).toBe(0);
    node.scheduleExpiration();
    scheduler.runDeferred();
    expect(node.distMetrics()).toMatchObject({ TombstonesActive: 0, TombstonesPurged: 1 });
    expect(node.stats.snapshot().expiration_loop_count?.Count).toBe(1);
  });

  it('distMetrics has exactly the keys of DIST_METRIC_KEYS (numbers) and DIST_METRIC_STRING_KEYS, with live gauges', async () => {
    const { node } = makeNode();
    await node.put(put('ab', 'xyz'));
    await node.delete({ key: 'gone', consistency: 'one' });
    const m = node.distMetrics();
    expect(Object.keys(m).sort()).toEqual([...DIST_METRIC_KEYS, ...DIST_METRIC_STRING_KEYS].sort());
    expect(DIST_METRIC_KEYS.every((k) => typeof m[k] === 'number' && Number.isInteger(m[k]))).toBe(true);
    expect(m.LastAutoSyncError).toBe('');
    expect([m.ItemsLocal, m.BytesLocal, m.TombstonesActive, m.MembersAlive, m.MembershipVersion]).toEqual([1, 5, 1, 1, 1]);
    expect([m.WriteAttempts, m.WriteAcks]).toEqual([2, 2]);
    m.WriteAttempts = 999; // a copy: callers cannot change the counters
    expect(node.distMetrics().WriteAttempts).toBe(2);
  });

  it('a fresh node has empty stats', () => {
    expect(makeNode().node.stats.snapshot()).toEqual({});
  });
});

describe('CacheNode background loops', () => {
  it('registers the expiry (100 ms), hint replay, rebalance, anti-entropy and tombstone purge (10 s) loops on start and cancels them on stop', () => {
    const { node, scheduler } = makeNode({ hintReplayMs: 300, rebalanceIntervalMs: 400, merkleIntervalMs: 5000 });
    node.start();
    expect(scheduler.intervals.sort((a, b) => a - b)).toEqual([EXPIRY_INTERVAL_MS, 300, 400, 5000, TOMBSTONE_PURGE_INTERVAL_MS]);
    node.stop();
    expect(scheduler.intervals).toEqual([]);
  });

  it('MERKLE_INTERVAL 0 runs no anti-entropy loop', () => {
    const { node, scheduler } = makeNode({ hintReplayMs: 300, rebalanceIntervalMs: 400, merkleIntervalMs: 0 });
    node.start();
    expect(scheduler.intervals.sort((a, b) => a - b)).toEqual([EXPIRY_INTERVAL_MS, 300, 400, TOMBSTONE_PURGE_INTERVAL_MS]);
    node.stop();
    expect(scheduler.intervals).toEqual([]);
  });

  it('the purge loop drops tombstones once TOMBSTONE_TTL has passed', async () => {
    const { node, clock, scheduler } = makeNode({ tombstoneTtlMs: 60_000 });
    node.start();
    await node.delete({ key: 'k', consistency: 'one' });
    scheduler.fire(TOMBSTONE_PURGE_INTERVAL_MS);
    await flush();
    expect(node.store.tombstoneCount).toBe(1);
    clock.advance(60_000);
    scheduler.fire(TOMBSTONE_PURGE_INTERVAL_MS);
    await flush();
    expect(node.store.tombstoneCount).toBe(0);
    expect(node.distMetrics().TombstonesPurged).toBe(1);
  });

  /** A wall clock under test control with the real high-resolution timer, so the 25 ms budget is real. */
  class RealHrClock extends ManualClock {
    override hrtimeNs(): bigint {
      return process.hrtime.bigint();
    }
  }

  // I13 at core level: 10 000 items, ttl 1 s, never read, reclaimed by the 100 ms sweeps within 5 s
  // (50 ticks). Measured: 1 tick with a manual or real hrtime (one sweep repeats until the samples
  // stop being > 25 % expired), 20 ticks when every 20-item sample is made to cost 1 ms (25 samples per budget).
  it.each([
    ['manual hrtime', () => new ManualClock(T0), 1],
    ['real hrtime', () => new RealHrClock(T0), 50],
    ['1 ms per sample', () => new SlowHrClock(1_000_000n), 20],
  ] as const)('I13: 10 000 expired items are reclaimed within 50 sweep ticks (%s)', async (_name, makeClock, maxTicks) => {
    const { node, clock, scheduler, loopErrors } = makeNode({}, makeClock());
    node.start();
    for (let i = 0; i < 10_000; i++) await node.put(put(`key-${i}`, 'value', { ttlMs: 1000, consistency: 'one' }));
    expect(node.store.items).toBe(10_000);
    clock.advance(1000);
    let ticks = 0;
    while (node.store.items > 0 && ticks < 50) {
      scheduler.fire(EXPIRY_INTERVAL_MS);
      await flush();
      clock.advance(EXPIRY_INTERVAL_MS);
      ticks++;
    }
    expect(node.store.items).toBe(0);
    expect(ticks).toBeLessThanOrEqual(maxTicks);
    expect(node.counters.expirations).toEqual({ sweep: 10_000, read: 0, manual: 0 });
    expect(node.distMetrics()).toMatchObject({ ItemsLocal: 0, BytesLocal: 0, Expirations: 10_000 });
    expect(loopErrors).toEqual([]);
  });

  it('the expiry sweep never removes an unexpired item', async () => {
    const { node, clock, scheduler } = makeNode();
    node.start();
    for (let i = 0; i < 200; i++) await node.put(put(`k${i}`, 'v', { ttlMs: 100 + 10 * i, consistency: 'one' }));
    for (let t = 0; t < 30; t++) {
      clock.advance(EXPIRY_INTERVAL_MS);
      scheduler.fire(EXPIRY_INTERVAL_MS);
      await flush();
      for (let i = 0; i < 200; i++) {
        const expiresAt = T0 + 100 + 10 * i;
        if (expiresAt > clock.now()) expect(node.store.peek(`k${i}`)).toBeDefined();
      }
    }
  });
});

describe('CacheNode: the Go server\'s DistMetrics fields (docs/api.md §2.5)', () => {
  it('MigrationHintLastAgeNanos is the age of the oldest pending migration hint, 0 when none', () => {
    const { node, clock } = makeNode();
    expect(node.distMetrics().MigrationHintLastAgeNanos).toBe(0);
    node.hints.enqueue('node-b', item('r', 'v', 1), 'replication');
    clock.advance(500);
    node.hints.enqueue('node-b', item('m', 'v', 1), 'migration');
    clock.advance(1500);
    expect(node.distMetrics().MigrationHintLastAgeNanos).toBe(1_500_000_000);
    node.hints.dropAll('shutdown');
    expect(node.distMetrics().MigrationHintLastAgeNanos).toBe(0);
  });

  it('a rebalance tick that finds the previous one still running is counted as RebalanceThrottle', async () => {
    const { node, scheduler } = makeNode();
    const interval = testConfig().rebalanceIntervalMs;
    node.start();
    try {
      expect(scheduler.fire(interval)).toBe(1);
      scheduler.fire(interval); // the first tick has not settled yet
      expect(node.distMetrics().RebalanceThrottle).toBe(1);
      await flush();
      scheduler.fire(interval);
      expect(node.distMetrics().RebalanceThrottle).toBe(1);
      await flush();
    } finally {
      node.stop();
    }
  });

  it('has no anti-entropy backoff and no fault injection: AutoSyncBackoffFactor 1, Chaos* 0', () => {
    expect(makeNode().node.distMetrics()).toMatchObject({ AutoSyncBackoffFactor: 1, ChaosDrops: 0, ChaosLatencies: 0, LastAutoSyncError: '' });
  });
});
