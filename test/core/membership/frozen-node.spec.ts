import { describe, expect, it } from 'vitest';
import type { SeedSpec } from '../../../src/core/membership/seed-spec.js';
import { type LoggedEffect, SimNetwork, converged, everyView } from './sim-network.js';

/**
 * A frozen node (SIGSTOP, a long GC pause, a VM freeze: docs/cluster.md §2, local health), on
 * the in-memory network with HEARTBEAT = GOSSIP_INTERVAL = 1 s: its clock keeps running while
 * nothing of it runs, then every timer it missed fires at once, late. The others declare it dead;
 * when it thaws it must not blame them for its own pause, and it must refute the claim about itself.
 */
const HB = 1000;
const seedsOf = (id: string, ids: readonly string[]): SeedSpec[] =>
  ids.filter((o) => o !== id).map((o) => ({ kind: 'id', id: o, address: `${o}:7946` }));

/** Every node seeds every other one (as the process tests and the Helm chart do). */
function cluster(n: number, seed = 3): SimNetwork {
  const sim = new SimNetwork({ heartbeatMs: HB, gossipIntervalMs: HB, seed });
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  for (const id of ids) sim.add({ id, seeds: seedsOf(id, ids) });
  expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
  sim.runFor(5_000);
  return sim;
}

const deadTransitions = (log: readonly LoggedEffect[], since: number) =>
  log.filter((e) => e.at >= since && e.type === 'stateChanged' && e.to === 'dead').map((e) => (e as { id: string }).id);

/** Freezes `frozen` until every other node holds each of them dead, plus `extraMs`; returns the thaw time. */
function freezeUntilDead(sim: SimNetwork, frozen: readonly string[], extraMs = 2_000): number {
  const running = sim.ids().filter((id) => !frozen.includes(id));
  for (const id of frozen) sim.freeze(id);
  const took = sim.runUntil(() => frozen.every((f) => everyView(sim, running, f, (m) => m?.State === 'dead')), 15_000);
  expect(took, 'the running nodes declare the frozen ones dead').toBeDefined();
  sim.runFor(extraMs);
  for (const id of frozen) sim.thaw(id);
  return sim.now;
}

describe('a node that thaws after being declared dead (docs/cluster.md §2 local health)', () => {
  it('1 of 3 frozen for 10+ s: it never marks a live peer dead, never is alone on its ring, refutes, and counts one stall', () => {
    const sim = cluster(3);
    const incBefore = sim.node('n3').machine.incarnation();
    const frozenAt = sim.now;
    const thawedAt = freezeUntilDead(sim, ['n3']);
    expect(thawedAt - frozenAt).toBeGreaterThan(6 * HB);

    let smallestRing = 3;
    const took = sim.runUntil(() => {
      smallestRing = Math.min(smallestRing, sim.node('n3').table.ringMembers().length);
      return converged(sim) && sim.node('n3').counters.Refutations >= 1;
    }, 10_000);

    // Before local health, the late tick declared n1 and n2 dead at once: n3 was alone on its ring.
    expect(deadTransitions(sim.node('n3').log, thawedAt), 'members n3 declared dead after thawing').toEqual([]);
    expect(smallestRing, 'ring size on n3 after thawing').toBe(3);
    // Nor does n3's view spread: the running nodes never hold each other dead.
    for (const id of ['n1', 'n2']) expect(deadTransitions(sim.node(id).log, thawedAt), `members ${id} declared dead`).toEqual([]);

    expect(took, 'n3 alive everywhere with its refutation').toBeDefined();
    expect(took!).toBeLessThan(3 * HB);
    expect(sim.node('n3').counters.Refutations).toBeGreaterThanOrEqual(1);
    expect(sim.node('n3').counters.LocalStalls).toBe(1);
    expect(sim.node('n3').machine.incarnation()).toBeGreaterThan(incBefore);
    expect(sim.node('n3').log.some((e) => e.type === 'selfRefuted' && e.claimedState === 'dead')).toBe(true);
    for (const id of ['n1', 'n2']) expect(sim.node(id).counters.LocalStalls).toBe(0);
  });

  it('2 of 5 frozen together: neither thawed node marks a running node dead; both come back through refutation', () => {
    const sim = cluster(5);
    const thawedAt = freezeUntilDead(sim, ['n4', 'n5']);
    const running = ['n1', 'n2', 'n3'];
    const smallest: Record<string, number> = { n4: 5, n5: 5 };
    const took = sim.runUntil(() => {
      for (const id of ['n4', 'n5']) smallest[id] = Math.min(smallest[id]!, sim.node(id).table.ringMembers().length);
      return converged(sim);
    }, 10_000);
    expect(took).toBeDefined();
    for (const id of ['n4', 'n5']) {
      // The other thawed node may be learnt dead from the running nodes' gossip (their own, honest
      // detection) before its refutation arrives; a running node never.
      expect(deadTransitions(sim.node(id).log, thawedAt).filter((d) => running.includes(d)), `running nodes ${id} declared dead`).toEqual([]);
      expect(smallest[id], `smallest ring on ${id}`).toBeGreaterThanOrEqual(4);
      expect(sim.node(id).counters.Refutations).toBeGreaterThanOrEqual(1);
      expect(sim.node(id).counters.LocalStalls).toBe(1);
    }
    for (const id of running) expect(deadTransitions(sim.node(id).log, thawedAt).filter((d) => running.includes(d))).toEqual([]);
  });

  it('a peer that really died during the freeze is still declared dead, 6–8 × HEARTBEAT of running time after the thaw', () => {
    // Two nodes, so that nobody else tells the thawed one: it finds out by itself.
    const sim = cluster(2);
    sim.freeze('n2');
    sim.kill('n1');
    sim.runFor(12_000);
    sim.thaw('n2');
    const thawedAt = sim.now;
    expect(sim.view('n2', 'n1')?.State).toBe('alive');
    const suspectAfter = sim.runUntil(() => sim.view('n2', 'n1')?.State === 'suspect', 10_000);
    expect(suspectAfter, 'n1 suspect on n2').toBeDefined();
    expect(suspectAfter!).toBeGreaterThan(3 * HB);
    const deadAfter = sim.runUntil(() => sim.view('n2', 'n1')?.State === 'dead', 10_000);
    expect(deadAfter, 'n1 dead on n2').toBeDefined();
    const total = sim.now - thawedAt;
    expect(total).toBeGreaterThan(6 * HB);
    expect(total).toBeLessThanOrEqual(8 * HB);
    expect(sim.node('n2').counters.LocalStalls).toBe(1);
    expect(sim.node('n2').table.ringMembers()).toEqual(['n2']);
  });

  it.each([1, 2, 3])('after a partition (seed %s), every node that was declared dead (on either side) comes back through its own refutation', (seed) => {
    const sim = cluster(3, seed);
    const before = Object.fromEntries(sim.ids().map((id) => [id, sim.node(id).machine.incarnation()]));
    sim.partition(['n3'], ['n1', 'n2']);
    expect(sim.runUntil(() => everyView(sim, ['n1', 'n2'], 'n3', (m) => m?.State === 'dead') && everyView(sim, ['n3'], 'n1', (m) => m?.State === 'dead'), 15_000)).toBeDefined();
    sim.heal();
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    for (const id of sim.ids()) {
      expect(sim.node(id).counters.Refutations, `${id} refutations`).toBeGreaterThanOrEqual(1);
      expect(sim.node(id).machine.incarnation()).toBeGreaterThan(before[id]!);
      expect(sim.node(id).counters.LocalStalls).toBe(0);
    }
  });
});
