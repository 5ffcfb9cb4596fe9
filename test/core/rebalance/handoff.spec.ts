import { beforeAll, describe, expect, it } from 'vitest';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { item, tomb } from '../store/fixtures.js';
import { RebalanceNet, moved } from './rebalance-net.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const ABCD = ['a', 'b', 'c', 'd'];
const KEYS = Array.from({ length: 400 }, (_, i) => `key-${i}`);

function seeded(): RebalanceNet {
  const net = new RebalanceNet(hash, ABCD, 2);
  KEYS.forEach((k, i) => net.seed(i % 7 === 0 ? tomb(k, 10 + i) : item(k, `v${i}`, 10 + i), ABCD));
  return net;
}

/** (key, target) pairs the leave handoff of `self` owes: owners without self minus owners with self. */
function owed(net: RebalanceNet, self: string): string[] {
  const rest = ABCD.filter((id) => id !== self);
  return KEYS.filter((k) => net.node(self).store.peek(k)).flatMap((k) => {
    const before = net.ringOf(ABCD).owners(k, net.rf);
    return net.ringOf(rest).owners(k, net.rf).filter((id) => !before.includes(id)).map((id) => `${k}->${id}`);
  }).sort();
}

describe('leave handoff (docs/lifecycle.md §3 step 4)', () => {
  it('sends every local entry to owners_new \\ owners_old with source handoff, and counts them', async () => {
    const net = seeded();
    const a = net.node('a');
    a.draining = true;
    a.view = new Set(['b', 'c', 'd']); // leaving: self is off its own ring
    const want = owed(net, 'a');
    expect(want.length).toBeGreaterThan(50);

    const sent = await a.rebalancer.handoff();
    const got = net.calls.flatMap((c) => c.keys.map((k) => `${k}->${c.to}`)).sort();
    expect(got).toEqual(want);
    expect(net.calls.every((c) => c.from === 'a' && c.source === 'handoff' && c.keys.length <= 128)).toBe(true);
    expect(sent).toBe(want.length);
    for (const pair of want) {
      const [key, to] = pair.split('->') as [string, string];
      expect(net.node(to).store.peek(key)?.version).toBe(a.store.peek(key)!.version);
    }
    expect(moved(a)).toEqual({ new_owner: 0, lost_ownership: 0, handoff: sent, scans: 0, batches: 0 });
    expect(a.counters.dist.HandoffKeys).toBe(sent);
    expect(a.counters.dist.RebalancedKeys).toBe(0);
  });

  it('computes the same targets while self is still on its ring', async () => {
    const net = seeded();
    const want = owed(net, 'b');
    expect(await net.node('b').rebalancer.handoff()).toBe(want.length);
    expect(net.calls.flatMap((c) => c.keys.map((k) => `${k}->${c.to}`)).sort()).toEqual(want);
  });

  it('failed sends become hints with source handoff and are not counted as sent', async () => {
    const net = seeded();
    const a = net.node('a');
    a.view = new Set(['b', 'c', 'd']);
    net.down.add('c');
    const want = owed(net, 'a');
    const toC = want.filter((p) => p.endsWith('->c'));
    expect(toC.length).toBeGreaterThan(0);

    const sent = await a.rebalancer.handoff();
    expect(sent).toBe(want.length - toC.length);
    expect(a.hints.map((h) => `${h.key}->${h.target}`).sort()).toEqual(toC);
    expect(a.hints.every((h) => h.source === 'handoff')).toBe(true);
    expect(a.counters.dist.HandoffKeys).toBe(sent);
  });

  it('a single node has nobody to hand off to', async () => {
    const net = new RebalanceNet(hash, ['solo'], 3);
    net.node('solo').store.apply(item('k', 'v', 1), 'hard', 'replication');
    net.node('solo').view = new Set();
    expect(await net.node('solo').rebalancer.handoff()).toBe(0);
    expect(net.calls).toEqual([]);
  });
});
