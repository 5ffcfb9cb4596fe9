import { describe, expect, it } from 'vitest';
import type { MemberRecord, MemberState } from '../../../src/core/membership/messages.js';
import type { SeedSpec } from '../../../src/core/membership/seed-spec.js';
import { RETENTION_MS } from '../../../src/core/membership/suspicion.js';
import { SimNetwork, type SimOptions, converged, everyView } from './sim-network.js';

/**
 * Scenario scripts over the in-memory network (HEARTBEAT = GOSSIP_INTERVAL = 1 s, K = 2,
 * one-way latency 1–10 ms unless stated). Each measures the time the specification bounds.
 */
const seedOf = (id: string): SeedSpec => ({ kind: 'id', id, address: `${id}:7946` });

/** n1 has no seeds; every other node seeds n1 as `n1@n1:7946`. Runs until converged. */
function cluster(n: number, opts: SimOptions = {}): SimNetwork {
  const sim = new SimNetwork(opts);
  sim.add({ id: 'n1' });
  for (let i = 2; i <= n; i++) sim.add({ id: `n${i}`, seeds: [seedOf('n1')] });
  expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
  return sim;
}

/** Runs until `cond(o)` has held for every observer; returns each one's first time, in ms from now. */
function firstTimes(sim: SimNetwork, observers: readonly string[], cond: (o: string) => boolean, maxMs: number): Record<string, number> {
  const start = sim.now;
  const t: Record<string, number> = {};
  sim.runUntil(() => {
    for (const o of observers) if (t[o] === undefined && cond(o)) t[o] = sim.now - start;
    return observers.every((o) => t[o] !== undefined);
  }, maxMs);
  return t;
}

const stateIs = (sim: SimNetwork, subject: string, ...states: MemberState[]) => (o: string) => {
  const s = sim.view(o, subject)?.State;
  return s !== undefined && states.includes(s);
};
const neverState = (sim: SimNetwork, state: MemberState) => sim.ids().every((id) => sim.node(id).log.every((e) => e.type !== 'stateChanged' || e.to !== state));

describe('join through seeds (docs/cluster.md §2, docs/lifecycle.md §2)', () => {
  it('three nodes join via id@, host:port and dns+ seeds and converge all-alive with equal incarnations', () => {
    const sim = new SimNetwork();
    sim.dns.set('hypercache.svc:7946', ['10.0.0.1:7946', '10.0.0.2:7946', '10.0.0.3:7946']);
    sim.add({ id: 'n1', aliases: ['10.0.0.1:7946'] });
    sim.add({ id: 'n2', aliases: ['10.0.0.2:7946'], seeds: [seedOf('n1')] });
    expect(sim.view('n2', 'n1')).toEqual({ ID: 'n1', Address: 'n1:7946', State: 'alive', Incarnation: 0 });
    sim.add({ id: 'n3', aliases: ['10.0.0.3:7946'], seeds: [{ kind: 'addr', address: 'n2:7946' }, { kind: 'dns', name: 'hypercache.svc:7946' }] });
    // No member for a bare seed before it answers.
    expect(sim.node('n3').table.list().map((m) => m.ID)).toEqual(['n3']);

    const took = sim.runUntil(() => converged(sim), 10_000);
    expect(took).toBeDefined();
    expect(took!).toBeLessThan(1000);
    // n3's joins reach n2 twice (as n2:7946 and as 10.0.0.2), and the second one is assigned
    // max(claimed, known + 1) = 2: every view agrees on it.
    const incarnations = { n1: 1, n2: 1, n3: sim.node('n3').machine.incarnation() };
    expect(incarnations.n3).toBeGreaterThanOrEqual(1);
    for (const o of sim.ids()) {
      expect(sim.node(o).table.list()).toEqual(
        (['n1', 'n2', 'n3'] as const).map((ID) => ({ ID, Address: `${ID}:7946`, State: 'alive', Incarnation: incarnations[ID] })),
      );
      expect(sim.node(o).machine.isJoined()).toBe(true);
    }
    expect(sim.node('n3').table.list().some((m) => m.Address.startsWith('10.'))).toBe(false);
    expect(sim.node('n2').log.filter((e) => e.type === 'joined')).toMatchObject([{ via: 'join' }]);
    expect(sim.node('n3').log.filter((e) => e.type === 'joined')).toMatchObject([{ via: 'join' }]);

    // Once joined, seed addresses that map to live members (including n3's own IP) are not contacted again.
    const joins = { ...sim.node('n3').sent };
    sim.runFor(30_000);
    expect(sim.node('n3').sent.join).toBe(joins.join);
    expect(converged(sim)).toBe(true);
  });

  it('a node whose seeds never answer serves alone after the 15 s join grace', () => {
    const sim = new SimNetwork();
    sim.add({ id: 'n1', seeds: [{ kind: 'addr', address: 'nobody:7946' }] });
    expect(sim.runUntil(() => sim.node('n1').machine.isJoined(), 20_000)).toBe(15_000);
    expect(sim.node('n1').log.map((e) => e.type)).toEqual(['joinGraceElapsed']);
    // Every second, except while the previous join to that address is still in flight (2 s timeout).
    expect(sim.node('n1').sent.join).toBeGreaterThanOrEqual(7);
  });
});

describe('failure detection (docs/cluster.md §2, I9)', () => {
  it('a killed node is suspect within 5 s and dead within 8 s everywhere, then off every ring, forgotten after 60 s', () => {
    const worst = { suspect: 0, dead: 0, forgotten: 0 };
    for (let seed = 1; seed <= 10; seed++) {
      const sim = cluster(4, { seed });
      sim.runFor(2000 + seed * 97);
      sim.kill('n4');
      const observers = ['n1', 'n2', 'n3'];
      const start = sim.now;
      const suspect: Record<string, number> = {};
      const dead: Record<string, number> = {};
      sim.runUntil(() => {
        for (const o of observers) {
          const s = sim.view(o, 'n4')?.State;
          if (suspect[o] === undefined && (s === 'suspect' || s === 'dead')) suspect[o] = sim.now - start;
          if (dead[o] === undefined && s === 'dead') dead[o] = sim.now - start;
        }
        return observers.every((o) => dead[o] !== undefined);
      }, 20_000);
      for (const o of observers) {
        // More than 3 heartbeats since the last contact, which is at most ~1 heartbeat before the kill.
        expect(suspect[o]).toBeGreaterThan(2000);
        expect(suspect[o]).toBeLessThanOrEqual(5000);
        expect(dead[o]).toBeGreaterThan(5000);
        expect(dead[o]).toBeLessThanOrEqual(8000);
        expect(sim.node(o).table.ringMembers()).not.toContain('n4');
        expect(sim.view(o, 'n4')!.Incarnation).toBe(1);
      }
      worst.suspect = Math.max(worst.suspect, ...Object.values(suspect));
      worst.dead = Math.max(worst.dead, ...Object.values(dead));

      const gone = firstTimes(sim, observers, (o) => sim.view(o, 'n4') === undefined, RETENTION_MS + 5000);
      for (const o of observers) {
        expect(gone[o]).toBeGreaterThanOrEqual(RETENTION_MS - (sim.now - start - dead[o]!) - 3000);
        expect(sim.node(o).counters).toMatchObject({ NodesRemoved: 1 });
        expect(sim.node(o).counters.NodesDead).toBe(1);
      }
      worst.forgotten = Math.max(worst.forgotten, ...Object.values(gone));
      expect(converged(sim)).toBe(true);
    }
    expect(worst.suspect).toBeLessThanOrEqual(5000);
    expect(worst.dead).toBeLessThanOrEqual(8000);
  });

  it('indirect probes keep a member behind a broken direct link alive (no suspicion)', () => {
    for (const oneWay of [false, true]) {
      const sim = cluster(3);
      if (oneWay) sim.block('n1', 'n3');
      else sim.blockBoth('n1', 'n3');
      sim.runFor(30_000);
      expect(neverState(sim, 'suspect')).toBe(true);
      expect(converged(sim)).toBe(true);
      const c = sim.node('n1').counters;
      expect(c.HeartbeatFailure).toBeGreaterThanOrEqual(29);
      expect(c.IndirectProbeSuccess).toBe(c.HeartbeatFailure);
      expect(c.IndirectProbeRefuted).toBe(c.HeartbeatFailure);
      expect(c.IndirectProbeFailure).toBe(0);
      expect(sim.node('n3').counters.HeartbeatFailure).toBe(oneWay ? 0 : c.HeartbeatFailure);
    }
  });

  it('without indirect probes (K = 0) the same broken link raises suspicion', () => {
    const sim = cluster(3, { indirectProbeK: 0 });
    sim.blockBoth('n1', 'n3');
    expect(sim.runUntil(() => sim.view('n1', 'n3')?.State === 'suspect', 10_000)).toBeDefined();
  });

  it('with 2 % message loss, a 5-node cluster declares nobody dead for 2 minutes', () => {
    const sim = cluster(5, { seed: 3 });
    sim.loss = 0.02;
    sim.runFor(120_000);
    expect(neverState(sim, 'dead')).toBe(true);
    sim.loss = 0;
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
  });
});

describe('refutation (docs/cluster.md §2, I11)', () => {
  it('gossiping a suspect record about X at X’s incarnation to X raises it; X stays alive everywhere', () => {
    const sim = cluster(3);
    const before = sim.view('n2', 'n2')!.Incarnation;
    const r = sim.inject('n2', { op: 'gossip', members: [{ ...sim.view('n1', 'n2')!, State: 'suspect' }] }, 'n1');
    expect(sim.node('n2').machine.incarnation()).toBe(before + 1);
    expect(sim.node('n2').counters.Refutations).toBe(1);
    expect(r.reply).toMatchObject({ members: expect.arrayContaining([{ ID: 'n2', Address: 'n2:7946', State: 'alive', Incarnation: before + 1 }]) });
    const t = sim.runUntil(() => everyView(sim, sim.ids(), 'n2', (m) => m?.State === 'alive' && m.Incarnation === before + 1), 5000);
    expect(t).toBeDefined();
    expect(t!).toBeLessThan(100); // the refutation pushes reach both peers at once
    expect(neverState(sim, 'suspect')).toBe(true);
  });

  it('a peer that holds X suspect carries the suspicion in its ping, and X’s reply clears it', () => {
    const sim = cluster(3);
    sim.inject('n1', { op: 'gossip', members: [{ ...sim.view('n1', 'n2')!, State: 'suspect' }] }, 'n3');
    expect(sim.view('n1', 'n2')!.State).toBe('suspect');
    const t = sim.runUntil(() => everyView(sim, sim.ids(), 'n2', (m) => m?.State === 'alive' && m.Incarnation === 2), 5000);
    expect(t).toBeDefined();
    expect(t!).toBeLessThanOrEqual(1100); // n1's next ping, one heartbeat at most
    expect(sim.node('n2').counters.Refutations).toBeGreaterThanOrEqual(1);
  });
});

describe('graceful leave (docs/cluster.md §2, I10)', () => {
  it('every other node shows the leaver `leaving` and excludes it from its ring within 2 × GOSSIP_INTERVAL', () => {
    const sim = cluster(4);
    sim.leave('n4');
    const t = firstTimes(sim, ['n1', 'n2', 'n3'], (o) => stateIs(sim, 'n4', 'leaving')(o) && !sim.node(o).table.ringMembers().includes('n4'), 5000);
    expect(Math.max(...Object.values(t))).toBeLessThanOrEqual(2 * sim.config.gossipIntervalMs);
    expect(sim.node('n4').table.ringMembers().sort()).toEqual(['n1', 'n2', 'n3']);
    const gossipsAfterLeave = sim.node('n4').sent.gossip ?? 0;
    sim.runFor(5000);
    expect(sim.node('n4').sent.gossip).toBeGreaterThan(gossipsAfterLeave);
    expect(sim.node('n4').machine.incarnation()).toBe(1);

    sim.kill('n4'); // the drained process exits: a leaving member is never probed, so it never turns dead
    const gone = firstTimes(sim, ['n1', 'n2', 'n3'], (o) => sim.view(o, 'n4') === undefined, RETENTION_MS + 5000);
    expect(Object.keys(gone)).toHaveLength(3);
    expect(neverState(sim, 'dead')).toBe(true);
    expect(neverState(sim, 'suspect')).toBe(true);
  });

  it('a peer the leave push missed learns it through gossip', () => {
    const sim = cluster(4);
    sim.block('n4', 'n3');
    sim.leave('n4');
    const t = sim.runUntil(() => stateIs(sim, 'n4', 'leaving')('n3'), 10_000);
    expect(t).toBeDefined();
    expect(t!).toBeLessThanOrEqual(5000);
  });
});

describe('partitions (docs/cluster.md §2, I8 membership part)', () => {
  const left = ['n1', 'n2'];
  const right = ['n3', 'n4', 'n5'];

  it('2/3 partition: each side declares the other dead; after healing (before retention ends) all are alive within 5 s', () => {
    const sim = cluster(5);
    sim.partition(left, right);
    sim.runFor(20_000);
    for (const a of left) for (const b of right) {
      expect(sim.view(a, b)!.State).toBe('dead');
      expect(sim.view(b, a)!.State).toBe('dead');
    }
    sim.heal();
    const t = sim.runUntil(() => converged(sim), 30_000);
    expect(t).toBeDefined();
    expect(t!).toBeLessThanOrEqual(5000);
  });

  it('a partition longer than the retention heals through seed re-contact within 15 s', () => {
    const sim = cluster(5);
    sim.partition(left, right);
    sim.runFor(90_000);
    for (const b of right) expect(sim.node(b).table.list().map((m) => m.ID)).toEqual(right);
    sim.heal();
    const t = sim.runUntil(() => converged(sim), 60_000);
    expect(t).toBeDefined();
    expect(t!).toBeLessThanOrEqual(15_000);
  });
});

describe('restart (docs/cluster.md §2)', () => {
  it('a restarted node (incarnation 1 again) rejoins with a higher incarnation than before, after being declared dead', () => {
    const sim = cluster(3);
    sim.kill('n3');
    expect(sim.runUntil(() => everyView(sim, ['n1', 'n2'], 'n3', (m) => m?.State === 'dead'), 10_000)).toBeDefined();
    const node = sim.restart('n3');
    expect(node.machine.incarnation()).toBe(1);
    const t = sim.runUntil(() => converged(sim), 10_000);
    expect(t).toBeDefined();
    for (const o of sim.ids()) expect(sim.view(o, 'n3')!.Incarnation).toBe(2);
  });

  it('a quick restart, before anyone noticed, also moves to a higher incarnation', () => {
    const sim = cluster(3);
    sim.kill('n3');
    sim.runFor(500);
    sim.restart('n3');
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    for (const o of sim.ids()) expect(sim.view(o, 'n3')!.Incarnation).toBe(2);
    expect(neverState(sim, 'dead')).toBe(true);
  });

  it('a restart after the old record was forgotten rejoins at its claimed incarnation, with nothing left to beat', () => {
    const sim = cluster(3);
    sim.kill('n3');
    sim.runFor(80_000);
    expect(sim.view('n1', 'n3')).toBeUndefined();
    sim.restart('n3');
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    expect(sim.view('n1', 'n3')!.Incarnation).toBe(1);
  });
});

describe('seed id mismatch (docs/cluster.md §2)', () => {
  it('the configured record is forgotten, the real one used, and the wrong ID never spreads', () => {
    const sim = cluster(2);
    sim.add({ id: 'n3', seeds: [{ kind: 'id', id: 'typo', address: 'n1:7946' }] });
    expect(sim.view('n3', 'typo')).toBeDefined();
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    expect(sim.view('n3', 'typo')).toBeUndefined();
    expect(sim.node('n3').log.filter((e) => e.type === 'seedIdMismatch')).toMatchObject([{ address: 'n1:7946', configuredId: 'typo', actualId: 'n1' }]);
    for (const o of ['n1', 'n2']) expect(sim.node(o).events.some((e) => e.type === 'member' && e.member.ID === 'typo')).toBe(false);
  });
});

describe('retention against stale gossip (docs/cluster.md §2)', () => {
  it('a dead record is kept 60 s so stale alive gossip cannot bring the node back', () => {
    const sim = cluster(3);
    const stale = sim.view('n1', 'n3')!;
    sim.kill('n3');
    expect(sim.runUntil(() => everyView(sim, ['n1', 'n2'], 'n3', (m) => m?.State === 'dead'), 10_000)).toBeDefined();
    for (let i = 0; i < 5; i++) {
      sim.runFor(10_000);
      const claim: MemberRecord = i % 2 === 0 ? stale : { ...stale, State: 'suspect' };
      sim.inject('n1', { op: 'gossip', members: [claim] }, 'n2');
      expect(sim.view('n1', 'n3')!.State).toBe('dead');
    }
    expect(sim.runUntil(() => sim.view('n1', 'n3') === undefined, 15_000)).toBeDefined();
    sim.inject('n1', { op: 'gossip', members: [{ ...stale, State: 'dead' }] }, 'n2');
    expect(sim.view('n1', 'n3')).toBeUndefined();
  });
});
