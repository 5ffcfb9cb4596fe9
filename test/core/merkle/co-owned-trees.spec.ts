import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CoOwnedTrees, FOLD_AFTER_MS, KEEP_SLICES_MS } from '../../../src/core/merkle/co-owned-trees.js';
import { MerkleTree, type MerkleTuple } from '../../../src/core/merkle/merkle-tree.js';
import { type Hash64, HashRing } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { SeededRandom } from '../../../src/core/time/random.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { T0, item, tomb } from '../store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const V = T0 * 1000;
const PEERS = ['n2', 'n3'];

/** One node's store and its trees on a manual clock and scheduler; the ring is the test's to change. */
function setup(capacity = 0) {
  const clock = new ManualClock(T0);
  const scheduler = new ManualScheduler(clock);
  const store = new LocalStore({ capacity, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000 }, clock);
  const world = { ring: new HashRing(['n1', 'n2', 'n3'], 16, hash) };
  const trees = new CoOwnedTrees({ nodeId: 'n1', replication: 2, ring: () => world.ring, store, hash, clock, scheduler });
  /** Runs the scheduler's deferred work (the rebuild's yields) until `p` settles. */
  const drive = async <T>(p: Promise<T>, between?: () => void): Promise<T> => {
    let done = false;
    void p.finally(() => (done = true));
    await Promise.resolve();
    while (!done) {
      between?.();
      scheduler.runDeferred();
      await new Promise((r) => setImmediate(r));
    }
    return p;
  };
  /** The tree built from scratch over what the store holds now, as a full scan would. */
  const reference = (peer: string, before?: number) => {
    const tuples: MerkleTuple[] = [];
    store.scanTuples(0, Number.MAX_SAFE_INTEGER, (_slot, key, version, origin, kind) => {
      const owners = world.ring.owners(key, 2);
      if (owners.includes('n1') && owners.includes(peer) && (before === undefined || version / 1000 < before)) tuples.push({ key, version, origin, kind });
    });
    return MerkleTree.of(tuples, hash).summary();
  };
  const agrees = (before?: number) => PEERS.every((p) => trees.snapshot(p, before).summary().join() === reference(p, before).join());
  return { clock, scheduler, store, world, trees, drive, reference, agrees };
}

describe('co-owned anti-entropy leaves, kept up to date on each store change (issue 18)', () => {
  it('writes, overwrites, deletes, evictions, purges and drops update the leaves in place: one rebuild, at the start', async () => {
    const s = setup(400);
    await s.drive(s.trees.ready());
    expect(s.trees.rebuilds).toBe(1);
    const random = new SeededRandom(3);
    for (let step = 0; step < 3000; step++) {
      const key = `k${random.int(600)}`;
      const v = V + step * 1000;
      const op = random.int(10);
      if (op < 6) s.store.apply(item(key, `v${step}`, v, PEERS[step % 2]), 'hard', 'replication'); // new key, overwrite, eviction at 400
      else if (op < 8) s.store.apply(tomb(key, v, 'n1', T0 + step), 'hard', 'replication');
      else if (op < 9) s.store.discard(key);
      else s.store.apply(item(key, 'stale', V, 'n0'), 'soft', 'merkle'); // older than what is there: no change
      if (step % 500 === 499) {
        s.clock.advance(700_000); // every tombstone so far is past its TTL
        s.store.purgeTombstones();
        expect(s.agrees(), `after step ${step}`).toBe(true);
      }
    }
    expect(s.store.items).toBe(400);
    s.store.clearItems();
    expect(s.agrees()).toBe(true);
    await s.drive(s.trees.ready());
    expect(s.trees.rebuilds).toBe(1);
  });

  it('after a random mix of puts, deletes and expiries the kept leaves equal a rebuild from scratch, bit for bit', async () => {
    const s = setup();
    await s.drive(s.trees.ready());
    const random = new SeededRandom(18);
    // Non-ASCII and long keys take the other encoding paths of the hasher.
    const keyOf = (i: number) => (i % 7 === 0 ? `ключ-${i}` : i % 11 === 0 ? `long-${'x'.repeat(1500)}-${i}` : `k${i}`);
    for (let step = 0; step < 4000; step++) {
      const key = keyOf(random.int(800));
      const v = V + step * 1000;
      const op = random.int(10);
      if (op < 4) s.store.apply(item(key, `v${step}`, v, PEERS[step % 2]), 'hard', 'replication');
      else if (op < 7) s.store.apply(item(key, `t${step}`, v, 'n1', s.clock.now() + 1 + random.int(2000)), 'hard', 'replication'); // expires soon
      else if (op < 9) s.store.apply(tomb(key, v, 'n1', s.clock.now()), 'hard', 'replication');
      else s.store.peek(key); // a read of an expired item removes it
      s.clock.advance(random.int(5));
      if (step % 400 === 399) {
        s.store.sweepExpired(1000, 1000, random);
        expect(s.agrees(), `after step ${step}`).toBe(true);
        const fresh = new CoOwnedTrees({ nodeId: 'n1', replication: 2, ring: () => s.world.ring, store: s.store, hash, clock: s.clock, scheduler: s.scheduler });
        await s.drive(fresh.ready());
        for (const p of PEERS) expect(s.trees.snapshot(p, undefined).summary()).toEqual(fresh.snapshot(p, undefined).summary());
      }
    }
    expect(s.trees.rebuilds).toBe(1);
  });

  it('a ring change rebuilds in chunks; changes made between the chunks count exactly once', async () => {
    const s = setup();
    for (let i = 0; i < 20_000; i++) s.store.apply(item(`key-${i}`, 'v', V + i, 'n1'), 'hard', 'replication');
    await s.drive(s.trees.ready());
    s.world.ring = new HashRing(['n1', 'n2', 'n3', 'n4'], 16, hash);
    expect(s.trees.complete).toBe(false);
    let turn = 0;
    await s.drive(s.trees.ready(), () => {
      // Between two chunks: change keys the scan passed (low slots), keys ahead of it, and add new ones.
      turn++;
      s.store.apply(item(`key-${turn}`, 'early', V + 100_000 + turn, 'n2'), 'hard', 'replication');
      s.store.apply(item(`key-${19_999 - turn}`, 'late', V + 100_000 + turn, 'n3'), 'hard', 'replication');
      s.store.discard(`key-${10_000 + turn}`);
      s.store.apply(item(`new-${turn}`, 'x', V + 200_000 + turn, 'n1'), 'hard', 'replication');
    });
    expect(turn, 'the rebuild yielded between chunks').toBeGreaterThan(3);
    expect(s.trees.rebuilds).toBe(2);
    expect(PEERS.concat('n4').every((p) => s.trees.snapshot(p, undefined).summary().join() === s.reference(p).join())).toBe(true);
  });

  it('a snapshot before a time leaves out the entries issued from then on; folding old slices keeps the sums', async () => {
    const s = setup();
    await s.drive(s.trees.ready());
    // Versions spread over 60 s, issued at T0 … T0 + 59 s.
    for (let i = 0; i < 600; i++) s.store.apply(item(`t${i}`, 'v', V + i * 100_000, 'n1'), 'hard', 'replication');
    for (const before of [T0, T0 + 1000, T0 + 30_000, T0 + 59_000, T0 + 60_000]) expect(s.agrees(before), `before ${before}`).toBe(true);
    expect(s.agrees()).toBe(true);
    // A cutoff far ahead folds the old slices into the base; an entry issued in a folded slice is then rewritten.
    const late = T0 + 60_000 + 2 * FOLD_AFTER_MS;
    expect(s.agrees(late)).toBe(true);
    s.store.apply(item('t5', 'rewritten', V + 61_000_000, 'n2'), 'hard', 'replication');
    s.store.discard('t7');
    expect(s.agrees(late)).toBe(true);
    expect(s.agrees()).toBe(true);
  });

  it('with no round asking, the write path folds slices older than KEEP_SLICES_MS: memory stays bounded', async () => {
    const s = setup();
    await s.drive(s.trees.ready());
    for (let sec = 0; sec < 300; sec++) {
      s.store.apply(item(`s${sec}`, 'v', s.clock.now() * 1000, 'n1'), 'hard', 'replication');
      s.clock.advance(1000);
    }
    expect(s.trees.sliceCount).toBeLessThanOrEqual(PEERS.length * (KEEP_SLICES_MS / 1000 + 2));
    expect(s.agrees()).toBe(true);
    expect(s.agrees(s.clock.now() - 5000)).toBe(true);
  });

  it('a write costs no scan of the store: the leaves of a large store move with single writes', async () => {
    const s = setup();
    for (let i = 0; i < 50_000; i++) s.store.apply(item(`key-${i}`, 'v', V + i, 'n1'), 'hard', 'replication');
    await s.drive(s.trees.ready());
    const scans = vi.spyOn(s.store, 'scanTuples');
    const before = PEERS.map((p) => s.trees.snapshot(p, undefined).summary().join());
    s.store.apply(item('key-7', 'changed', V + 1_000_000, 'n2'), 'hard', 'replication');
    const after = PEERS.map((p) => s.trees.snapshot(p, undefined).summary().join());
    const owners = s.world.ring.owners('key-7', 2);
    PEERS.forEach((p, i) => expect(after[i] !== before[i], `leaves of ${p}`).toBe(owners.includes('n1') && owners.includes(p)));
    expect(scans).not.toHaveBeenCalled();
    expect(s.agrees()).toBe(true); // (the reference itself scans)
  });
});
