import { beforeAll, describe, expect, it } from 'vitest';
import { senderOf } from '../../../src/core/rebalance/plan.js';
import { LOST_COPY_GRACE_MS } from '../../../src/core/rebalance/rebalancer.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { T0, item, tomb } from '../store/fixtures.js';
import { RebalanceNet, moved } from './rebalance-net.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const ABC = ['a', 'b', 'c'];
const ABCD = ['a', 'b', 'c', 'd'];
const KEYS = Array.from({ length: 300 }, (_, i) => `key-${i}`);

/** 3 nodes, RF 2, every key on its owners (every 10th key a tombstone). */
function seeded(members = ABC, rf = 2): RebalanceNet {
  const net = new RebalanceNet(hash, members, rf);
  KEYS.forEach((k, i) => net.seed(i % 10 === 0 ? tomb(k, 100 + i) : item(k, `v${i}`, 100 + i), members));
  return net;
}

/** The node that sends `old`'s key after the change to `after`: its first old owner on the new ring. */
const senderOn = (old: string[], after: string[]) => senderOf(old, (id) => after.includes(id))!;

/** Keys whose owner list differs between the two member sets, with both lists. */
function changed(net: RebalanceNet, before: string[], after: string[]) {
  const oldRing = net.ringOf(before);
  const newRing = net.ringOf(after);
  return KEYS.map((key) => ({ key, old: oldRing.owners(key, net.rf), now: newRing.owners(key, net.rf) }))
    .filter((k) => k.old.join() !== k.now.join());
}

describe('Rebalancer: steady state (docs/cluster.md §8.4, I3)', () => {
  it('a stable ring never scans, sends or counts, over many ticks and with writes going on', async () => {
    const net = seeded();
    for (let i = 0; i < 50; i++) {
      net.seed(item(`later-${i}`, 'x', 1000 + i), ABC);
      for (const n of net.nodes.values()) n.rebalancer.noteReceived(`later-${i}`);
      net.clock.advance(250);
      await net.tickAll();
    }
    expect(net.calls).toEqual([]);
    for (const n of net.nodes.values()) {
      expect(moved(n)).toEqual({ new_owner: 0, lost_ownership: 0, handoff: 0, scans: 0, batches: 0 });
      expect(n.counters.dist.RebalancedKeys).toBe(0);
      expect(n.hints).toEqual([]);
    }
  });

  it('after one scan the new ring is the reference: later ticks are silent again', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    await net.tickAll();
    const calls = net.calls.length;
    const scans = [...net.nodes.values()].map((n) => n.counters.rebalanceScans);
    expect(calls).toBeGreaterThan(0);
    expect(scans).toEqual([1, 1, 1, 0]); // d's first ring already had itself
    for (let i = 0; i < 10; i++) {
      net.clock.advance(250);
      await net.tickAll();
    }
    expect(net.calls.length).toBe(calls);
    expect([...net.nodes.values()].map((n) => n.counters.rebalanceScans)).toEqual(scans);
  });
});

describe('Rebalancer: membership changes', () => {
  it('a joining node receives exactly its keys; each (key, new owner) is sent once across the cluster, by the first old owner', async () => {
    // RF 3 on 4 → 5 nodes, so most moving keys have two surviving owners that could both send.
    const ABCDE = [...ABCD, 'e'];
    const net = seeded(ABCD, 3);
    net.add('e', ABCDE);
    net.setViews(ABCDE);
    await net.tickAll();

    const moves = changed(net, ABCD, ABCDE);
    const gained = moves.filter((m) => m.now.includes('e'));
    expect(gained.length).toBeGreaterThan(20);
    expect(gained.filter((m) => m.now.filter((id) => m.old.includes(id)).length === 2).length).toBeGreaterThan(10);
    // e holds exactly the keys it now owns, items and tombstones alike.
    for (const key of KEYS) expect(net.node('e').store.peek(key) !== undefined).toBe(net.ringOf(ABCDE).owners(key, 3).includes('e'));
    expect(gained.some((m) => net.node('e').store.peek(m.key)?.kind === 'tombstone')).toBe(true);

    // One send per (key, new owner), from the first old owner, whether it keeps the key or loses it.
    for (const m of gained) {
      const sends = net.calls.filter((c) => c.keys.includes(m.key));
      expect(sends.map((c) => `${c.from}->${c.to}`)).toEqual([`${senderOn(m.old, ABCDE)}->e`]);
    }
    // Keys whose owners did not change travel nowhere.
    const moving = new Set(moves.map((m) => m.key));
    expect(net.calls.flatMap((c) => c.keys).every((k) => moving.has(k))).toBe(true);
    expect(net.calls.every((c) => c.source === 'migration')).toBe(true);

    // Counters: one per (entry, target) acknowledged, split by kind (lost_ownership when the sender lost the key).
    const total = (kind: 'new_owner' | 'lost_ownership') => [...net.nodes.values()].reduce((s, n) => s + n.counters.rebalanceMigrations[kind], 0);
    const senderLost = gained.filter((m) => !m.now.includes(senderOn(m.old, ABCDE))).length;
    expect(total('new_owner')).toBe(gained.length - senderLost);
    expect(total('lost_ownership')).toBe(senderLost);
    expect([...net.nodes.values()].reduce((s, n) => s + n.counters.dist.RebalancedKeys, 0)).toBe(gained.length);
    for (const n of net.nodes.values()) {
      expect(n.counters.dist.RebalancedKeys).toBe(n.counters.rebalanceMigrations.new_owner + n.counters.rebalanceMigrations.lost_ownership);
      expect(n.counters.dist.RebalancedPrimary).toBe(n.counters.rebalanceMigrations.lost_ownership);
      expect(n.counters.dist.RebalancedReplicaDiff).toBe(n.counters.rebalanceMigrations.new_owner);
    }
  });

  it('the sender of a join dies before sending: once it is off the ring, the next old owner sends its keys, each once', async () => {
    const ABCDE = [...ABCD, 'e'];
    const BCDE = ['b', 'c', 'd', 'e'];
    const net = seeded(ABCD, 3);
    net.add('e', ABCDE);
    net.setViews(ABCDE);
    await net.tickAll(BCDE); // a stalls and never scans; then it is declared dead
    const owedByA = changed(net, ABCD, ABCDE).filter((m) => m.now.includes('e') && senderOn(m.old, ABCDE) === 'a');
    expect(owedByA.length).toBeGreaterThan(5);
    for (const m of owedByA) expect(net.node('e').store.peek(m.key)).toBeUndefined();

    net.down.add('a');
    net.setViews(BCDE, BCDE);
    await net.tickAll(BCDE);
    for (const key of KEYS) {
      for (const owner of net.ringOf(BCDE).owners(key, 3)) expect(net.node(owner).store.peek(key), `${key} on ${owner}`).toBeDefined();
    }
    // Nothing was sent twice to the same node, and nothing to the dead one.
    const pairs = net.calls.flatMap((c) => c.keys.map((k) => `${k}->${c.to}`));
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(net.calls.filter((c) => c.to === 'a')).toEqual([]);
    // The keys a owed e came from their next old owner.
    for (const m of owedByA) {
      expect(net.calls.filter((c) => c.to === 'e' && c.keys.includes(m.key)).map((c) => c.from)).toEqual([senderOn(m.old, BCDE)]);
    }
  });

  it('a node that dies: its keys are re-replicated to the new owner by the surviving owner', async () => {
    const net = seeded(ABCD);
    net.setViews(ABC, ABC); // a, b and c drop d from their ring; d is gone
    net.down.add('d');
    await net.tickAll(ABC);

    const lostD = KEYS.filter((k) => net.ringOf(ABCD).owners(k, 2).includes('d'));
    expect(lostD.length).toBeGreaterThan(20);
    for (const key of lostD) {
      for (const owner of net.ringOf(ABC).owners(key, 2)) expect(net.node(owner).store.peek(key), `${key} on ${owner}`).toBeDefined();
    }
    expect(net.calls.filter((c) => c.to === 'd')).toEqual([]);
    const newOwner = ABC.reduce((s, id) => s + net.node(id).counters.rebalanceMigrations.new_owner, 0);
    expect(newOwner).toBe(lostD.length);
    for (const id of ABC) expect(net.node(id).hints).toEqual([]);
  });

  it('a node that rejoins is pushed the keys it owns again', async () => {
    const net = seeded(ABCD);
    net.setViews(ABC, ABC);
    net.node('d').store.clearItems(); // restarted: memory is empty
    for (const key of KEYS) net.node('d').store.discard(key);
    await net.tickAll(ABC);
    net.setViews(ABCD);
    await net.tickAll(ABC);
    for (const key of KEYS) expect(net.node('d').store.peek(key) !== undefined).toBe(net.ringOf(ABCD).owners(key, 2).includes('d'));
  });
});

describe('Rebalancer: lost ownership', () => {
  /** A key that b owned on a, b, c and no longer owns once d joined. */
  function lostByB(net: RebalanceNet): string {
    const key = KEYS.find((k) => net.ringOf(ABC).owners(k, 2).includes('b') && !net.ringOf(ABCD).owners(k, 2).includes('b'));
    if (!key) throw new Error('no key moved away from b');
    return key;
  }

  it('sends the copy to the new owners when it is the sender, then drops it locally after 30 s (no tombstone)', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    const key = lostByB(net);
    await net.tickAll();
    const owners = net.ringOf(ABCD).owners(key, 2);
    const old = net.ringOf(ABC).owners(key, 2);
    const sends = net.calls.filter((c) => c.keys.includes(key));
    expect(sends.map((c) => `${c.from}->${c.to}`)).toEqual(owners.filter((id) => !old.includes(id)).map((id) => `${senderOn(old, ABCD)}->${id}`));
    expect(net.node('b').store.peek(key)).toBeDefined();

    const sent = net.calls.length;
    net.clock.advance(LOST_COPY_GRACE_MS - 1);
    await net.node('b').rebalancer.tick();
    expect(net.node('b').store.peek(key)).toBeDefined();
    net.clock.advance(1);
    const before = net.node('b').store.items + net.node('b').store.tombstoneCount;
    await net.node('b').rebalancer.tick();
    expect(net.node('b').store.peek(key)).toBeUndefined();
    expect(net.node('b').store.items + net.node('b').store.tombstoneCount).toBeLessThan(before);
    expect(net.calls.length).toBe(sent); // the drop is local
    for (const owner of owners) expect(net.node(owner).store.peek(key)).toBeDefined();
    expect(net.node('b').rebalancer.pendingDrops).toBe(0);
  });

  it('keeps the copy when ownership came back before the drop', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    const key = lostByB(net);
    await net.node('b').rebalancer.tick();
    net.setViews(ABC, ['b']); // d left again before the grace was over
    net.clock.advance(LOST_COPY_GRACE_MS + 1);
    await net.node('b').rebalancer.tick();
    expect(net.node('b').store.peek(key)).toBeDefined();
    expect(net.node('b').rebalancer.pendingDrops).toBe(0);
  });

  it('a misplaced copy reported by noteReceived is sent to the owners and dropped after 30 s, without a scan', async () => {
    const net = seeded();
    const key = 'misplaced';
    const owners = net.ringOf(ABC).owners(key, 2);
    const outsider = ABC.find((id) => !owners.includes(id))!;
    // A coordinator with a diverging view replicated it to the outsider.
    await net.transportFrom('z').replicate({ id: outsider, address: '' }, 'replication', [item(key, 'v', 5)], 2000);
    expect(owners.map((id) => net.node(id).store.peek(key))).toEqual([undefined, undefined]);

    await net.node(outsider).rebalancer.tick();
    for (const id of owners) expect(net.node(id).store.peek(key)?.version).toBe(5);
    expect(moved(net.node(outsider))).toMatchObject({ lost_ownership: 2, new_owner: 0, scans: 0, batches: 2 });

    net.clock.advance(LOST_COPY_GRACE_MS);
    await net.node(outsider).rebalancer.tick();
    expect(net.node(outsider).store.peek(key)).toBeUndefined();
    // The owners that received it own it: nothing bounced back.
    expect(net.calls.filter((c) => c.from !== 'z' && c.from !== outsider)).toEqual([]);
  });

  it('an owned key reported by noteReceived moves nothing', async () => {
    const net = seeded();
    const key = KEYS[1]!;
    const owner = net.ringOf(ABC).owners(key, 2)[0]!;
    net.node(owner).rebalancer.noteReceived(key);
    await net.node(owner).rebalancer.tick();
    expect(net.calls).toEqual([]);
  });
});

describe('Rebalancer: what moves and how', () => {
  it('expired items stay put; live tombstones move; dead tombstones are never sent', async () => {
    const net = new RebalanceNet(hash, ABC, 1);
    const entries = [item('expired', 'x', 1, 'a', T0 + 10), tomb('live-tomb', 2), tomb('old-tomb', 3, 'a', T0 - 600_000 + 20)];
    for (const e of entries) net.node('a').store.apply(e, 'hard', 'replication');
    net.clock.advance(50);
    net.setViews(['b'], ['a']); // a is alone on a ring without itself: every key is lost
    await net.node('a').rebalancer.tick();
    expect(net.calls.flatMap((c) => c.keys)).toEqual(['live-tomb']);
    expect(net.node('b').store.peek('live-tomb')?.kind).toBe('tombstone');
  });

  it('failed sends become one hint per entry, source migration, and are not counted as migrated', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    net.down.add('d');
    await net.tickAll(ABC);
    const gained = changed(net, ABC, ABCD).filter((m) => m.now.includes('d'));
    const hints = ABC.flatMap((id) => net.node(id).hints);
    expect(hints.every((h) => h.target === 'd' && h.source === 'migration')).toBe(true);
    // Every key d gained is hinted once, by its sender.
    expect(hints.length).toBe(gained.length);
    for (const m of gained) expect(ABC.filter((id) => net.node(id).hints.some((h) => h.key === m.key))).toEqual([senderOn(m.old, ABCD)]);
    expect(new Set(hints.map((h) => h.key))).toEqual(new Set(gained.map((m) => m.key)));
    const newOwner = ABC.reduce((s, id) => s + net.node(id).counters.rebalanceMigrations.new_owner, 0);
    expect(newOwner).toBe(0);
    expect(ABC.reduce((s, id) => s + net.node(id).counters.dist.RebalanceBatches, 0)).toBeGreaterThan(0);
  });

  it('a draining node starts no scan and ignores misplaced keys', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    net.node('a').draining = true;
    net.node('a').rebalancer.noteReceived('anything');
    await net.node('a').rebalancer.tick();
    expect(net.calls.filter((c) => c.from === 'a')).toEqual([]);
    expect(moved(net.node('a'))).toEqual({ new_owner: 0, lost_ownership: 0, handoff: 0, scans: 0, batches: 0 });
  });

  it('ticks never overlap: a tick during a running scan does nothing', async () => {
    const net = seeded();
    net.add('d', ABCD);
    net.setViews(ABCD);
    const r = net.node('a').rebalancer;
    await Promise.all([r.tick(), r.tick()]);
    expect(net.node('a').counters.rebalanceScans).toBe(1);
  });
});
