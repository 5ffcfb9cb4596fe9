import { describe, expect, it } from 'vitest';
import { type ClusterEvent, EventBus } from '../../../src/core/events.js';
import { type Effect, logLineOf } from '../../../src/core/membership/effects.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { JOIN_GRACE_MS, Membership } from '../../../src/core/membership/membership.js';
import type { MemberRecord, MemberState, MembershipRequest, PingRequest } from '../../../src/core/membership/messages.js';
import type { SeedSpec } from '../../../src/core/membership/seed-spec.js';
import { emptyDistMetrics } from '../../../src/core/metrics/dist-metrics.js';
import { SeededRandom } from '../../../src/core/time/random.js';

/**
 * Single-machine scripts: the test plays the caller and every peer, feeding messages and
 * responses by hand at chosen times, and reads the effects that come back.
 */
const T0 = 1_000_000;
const HB = 1000;

const rec = (ID: string, State: MemberState = 'alive', Incarnation = 1): MemberRecord => ({ ID, Address: `${ID}:7946`, State, Incarnation });

type Send = Extract<Effect, { type: 'send' }>;
const sends = (effects: Effect[]): Send[] => effects.filter((e): e is Send => e.type === 'send');
const ofOp = (effects: Effect[], op: MembershipRequest['op']): Send[] => sends(effects).filter((e) => e.msg.op === op);
const others = (effects: Effect[]) => effects.filter((e) => e.type !== 'send' && e.type !== 'reply');

function setup(opts: { seeds?: SeedSpec[]; k?: number; members?: MemberRecord[] } = {}) {
  const bus = new EventBus();
  const events: ClusterEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const table = new MemberTable('self', 'self:7946', bus);
  const counters = emptyDistMetrics();
  const transitions: string[] = [];
  const m = new Membership({
    table,
    config: { heartbeatMs: HB, indirectProbeK: opts.k ?? 2, gossipIntervalMs: 1000 },
    seeds: opts.seeds ?? [],
    random: new SeededRandom(7),
    counters,
    onTransition: (to) => transitions.push(to),
  });
  if (opts.members) m.receive({ op: 'gossip', members: opts.members }, opts.members[0]!.ID, T0);
  events.length = 0;
  transitions.length = 0;
  /** Answers every pending ping with a timeout (null). */
  const timeoutAll = (effects: Effect[], now: number) => sends(effects).flatMap((s) => m.response(s.seq, null, now));
  return { m, table, counters, events, transitions, timeoutAll };
}

describe('failure detection (docs/cluster.md §2)', () => {
  it('probes every other alive/suspect member each heartbeat, never dead or leaving ones; a ping to a suspect carries the suspicion', () => {
    const { m } = setup({ members: [rec('b'), rec('c', 'suspect'), rec('d'), rec('e')] });
    m.receive({ op: 'gossip', members: [rec('d', 'dead'), rec('e', 'leaving')] }, 'b', T0);
    const pings = ofOp(m.tick(T0 + 1), 'ping');
    expect(pings.map((p) => p.toId)).toEqual(['b', 'c']);
    expect(pings.map((p) => p.to)).toEqual(['b:7946', 'c:7946']);
    expect(pings.every((p) => p.timeoutMs === HB / 2)).toBe(true);
    expect(pings[0]!.msg).toEqual({ op: 'ping', from: 'self', fromIncarnation: 1, fromState: 'alive' });
    expect((pings[1]!.msg as PingRequest).suspicion).toEqual(rec('c', 'suspect'));
  });

  it('a failed direct probe asks up to K random alive relays (not self, not the target, not suspects) to ping_req it', () => {
    const { m, counters } = setup({ members: [rec('b'), rec('c'), rec('d'), rec('e'), rec('f', 'suspect')] });
    const pings = ofOp(m.tick(T0 + 1), 'ping');
    const toB = pings.find((p) => p.toId === 'b')!;
    for (const p of pings) if (p !== toB) m.response(p.seq, { op: 'ping', id: p.toId!, incarnation: 1, state: p.toId === 'f' ? 'suspect' : 'alive' }, T0 + 10);
    expect(counters.HeartbeatSuccess).toBe(4);

    const reqs = ofOp(m.response(toB.seq, null, T0 + 500), 'ping_req');
    expect(counters.HeartbeatFailure).toBe(1);
    expect(reqs).toHaveLength(2);
    for (const r of reqs) {
      expect(['c', 'd', 'e']).toContain(r.toId);
      expect(r.msg).toEqual({ op: 'ping_req', target: 'b', address: 'b:7946' });
      expect(r.timeoutMs).toBe(HB / 2);
    }
    expect(new Set(reqs.map((r) => r.toId)).size).toBe(2);

    m.response(reqs[0]!.seq, { op: 'ping_req', reachable: true }, T0 + 900);
    m.response(reqs[1]!.seq, { op: 'ping_req', reachable: true }, T0 + 950);
    expect(counters).toMatchObject({ IndirectProbeSuccess: 2, IndirectProbeFailure: 0, IndirectProbeRefuted: 1 });
  });

  it('counts every relay that fails to reach the target; K = 0 disables indirect probes', () => {
    const a = setup({ members: [rec('b'), rec('c'), rec('d')] });
    const toB = ofOp(a.m.tick(T0 + 1), 'ping').find((p) => p.toId === 'b')!;
    const reqs = ofOp(a.m.response(toB.seq, null, T0 + 500), 'ping_req');
    a.m.response(reqs[0]!.seq, { op: 'ping_req', reachable: false }, T0 + 600);
    a.m.response(reqs[1]!.seq, null, T0 + 1000);
    expect(a.counters).toMatchObject({ HeartbeatFailure: 1, IndirectProbeSuccess: 0, IndirectProbeFailure: 2, IndirectProbeRefuted: 0 });

    const z = setup({ k: 0, members: [rec('b'), rec('c')] });
    const ping = ofOp(z.m.tick(T0 + 1), 'ping')[0]!;
    expect(sends(z.m.response(ping.seq, null, T0 + 500))).toEqual([]);
  });

  it('suspect after more than 3 × HEARTBEAT and dead after more than 6 × without contact, at the current incarnation', () => {
    const { m, table, counters, transitions, timeoutAll } = setup({ k: 0, members: [rec('b', 'alive', 4)] });
    const at = (t: number) => {
      const out = m.tick(T0 + t);
      timeoutAll(out, T0 + t);
      return out;
    };
    for (const t of [1, 1001, 2001]) at(t);
    at(3000);
    expect(table.get('b')!.State).toBe('alive');
    const toSuspect = others(at(3001));
    expect(toSuspect).toEqual([{ type: 'stateChanged', id: 'b', address: 'b:7946', from: 'alive', to: 'suspect', incarnation: 4 }]);
    for (const t of [4001, 5001]) at(t);
    at(6000);
    expect(table.get('b')).toEqual(rec('b', 'suspect', 4));
    expect(others(at(6001))).toEqual([{ type: 'stateChanged', id: 'b', address: 'b:7946', from: 'suspect', to: 'dead', incarnation: 4 }]);
    expect(counters).toMatchObject({ NodesSuspect: 1, NodesDead: 1 });
    expect(transitions).toEqual(['suspect', 'dead']);
    expect(ofOp(m.tick(T0 + 7000), 'ping')).toEqual([]);
  });

  it('dead needs a failed probe during the suspicion: a suspect whose probes are still unanswered stays suspect', () => {
    const { m, table, counters } = setup({ k: 0, members: [rec('b')] });
    // Probes sent, never answered (no timeout reported either): only the silence counts, and it is not enough.
    for (let t = 1; t <= 20_001; t += HB) m.tick(T0 + t);
    expect(table.get('b')!.State).toBe('suspect');
    expect(counters.NodesDead).toBe(0);
  });

  it('a failure of a probe sent before the suspicion began does not count towards dead', () => {
    const { m, table } = setup({ k: 0, members: [rec('b')] });
    const early = ofOp(m.tick(T0 + 1), 'ping')[0]!;
    for (let t = 1001; t <= 3001; t += HB) m.tick(T0 + t);
    expect(table.get('b')!.State).toBe('suspect');
    m.response(early.seq, null, T0 + 3002);
    // The probe that failed was sent 3 s before the suspicion; the next one stays unanswered for a while.
    const next = ofOp(m.tick(T0 + 4001), 'ping')[0]!;
    for (let t = 5001; t <= 12_001; t += HB) m.tick(T0 + t);
    expect(table.get('b')!.State).toBe('suspect');
    m.response(next.seq, null, T0 + 12_500);
    m.tick(T0 + 13_001);
    expect(table.get('b')!.State).toBe('dead');
  });

  it('any authenticated peer request counts as contact', () => {
    const { m, table } = setup({ k: 0, members: [rec('b')] });
    m.contact('b', T0 + 2500);
    m.tick(T0 + 5500);
    expect(table.get('b')!.State).toBe('alive');
    m.tick(T0 + 5501);
    expect(table.get('b')!.State).toBe('suspect');
  });

  it('a suspect member becomes alive again only through a higher incarnation; an equal one is still contact', () => {
    const { m, table, transitions } = setup({ members: [rec('b', 'suspect', 2)] });
    let ping = ofOp(m.tick(T0 + 1000), 'ping')[0]!;
    m.response(ping.seq, { op: 'ping', id: 'b', incarnation: 2, state: 'alive' }, T0 + 5000);
    expect(table.get('b')!.State).toBe('suspect');
    ping = ofOp(m.tick(T0 + 11_000), 'ping')[0]!;
    expect(table.get('b')!.State).toBe('suspect');
    m.response(ping.seq, { op: 'ping', id: 'b', incarnation: 3, state: 'alive' }, T0 + 11_010);
    expect(table.get('b')).toEqual(rec('b', 'alive', 3));
    expect(transitions).toEqual(['alive']);
  });

  it('a reply from another ID is a failed probe, logged, and followed by indirect probes', () => {
    const { m, counters } = setup({ members: [rec('b'), rec('c')] });
    const toB = ofOp(m.tick(T0 + 1), 'ping').find((p) => p.toId === 'b')!;
    const out = m.response(toB.seq, { op: 'ping', id: 'zed', incarnation: 1, state: 'alive' }, T0 + 5);
    expect(counters.HeartbeatFailure).toBe(1);
    expect(others(out)).toEqual([{ type: 'probeIdMismatch', id: 'b', address: 'b:7946', answeredBy: 'zed' }]);
    expect(ofOp(out, 'ping_req').map((s) => s.toId)).toEqual(['c']);
  });
});

describe('local health (docs/cluster.md §2 local health)', () => {
  /** Ticks every HEARTBEAT over [from, to], probes timing out at once; returns the non-send effects. */
  const run = (x: ReturnType<typeof setup>, from: number, to: number) => {
    const out: Effect[] = [];
    for (let t = from; t <= to; t += HB) {
      const effects = x.m.tick(T0 + t);
      out.push(...others(effects), ...others(x.timeoutAll(effects, T0 + t)));
    }
    return out;
  };

  it('a tick more than HEARTBEAT late is a stall: counted, logged, and no peer is blamed for the gap', () => {
    const x = setup({ k: 0, members: [rec('b'), rec('c')] });
    run(x, 1, 2001);
    expect(x.counters.LocalStalls).toBe(0);
    // Frozen for 20 s: the next tick comes 21 s after the last one.
    const out = others(x.m.tick(T0 + 23_001));
    expect(out).toEqual([{ type: 'localStall', stalledMs: 20_000 }]);
    expect(logLineOf(out[0]!)).toEqual({ level: 'warn', msg: 'local stall detected; peer failure detection restarted', attrs: { stalled_ms: 20_000 } });
    expect(x.counters.LocalStalls).toBe(1);
    expect(x.table.list().map((r) => r.State)).toEqual(['alive', 'alive', 'alive']);
    expect(x.transitions).toEqual([]);
  });

  it('a tick up to HEARTBEAT late is no stall', () => {
    const x = setup({ members: [rec('b')] });
    x.m.tick(T0);
    expect(others(x.m.tick(T0 + 2 * HB))).toEqual([]);
    expect(x.counters.LocalStalls).toBe(0);
  });

  it('the detection windows restart at the stall: suspect after 3 × HEARTBEAT more of running time, dead after 3 × more of suspicion', () => {
    const x = setup({ k: 0, members: [rec('b')] });
    run(x, 1, 2001);
    run(x, 30_001, 33_001);
    expect(x.table.get('b')!.State).toBe('alive');
    expect(run(x, 34_001, 34_001)).toEqual([{ type: 'stateChanged', id: 'b', address: 'b:7946', from: 'alive', to: 'suspect', incarnation: 1 }]);
    run(x, 35_001, 36_001);
    expect(x.table.get('b')!.State).toBe('suspect');
    expect(run(x, 37_001, 37_001)).toEqual([{ type: 'stateChanged', id: 'b', address: 'b:7946', from: 'suspect', to: 'dead', incarnation: 1 }]);
    expect(x.counters.LocalStalls).toBe(1);
  });

  it('a suspicion held before the stall starts over: its earlier time and failed probes no longer count', () => {
    const x = setup({ k: 0, members: [rec('b')] });
    run(x, 1, 5001);
    expect(x.table.get('b')!.State).toBe('suspect');
    // Suspect since 4001 with failed probes; 2 s more would have made it dead. The node freezes for 14 s instead.
    // Both windows restart at the stall: no contact for more than 6 × HEARTBEAT of running time again.
    run(x, 20_001, 26_001);
    expect(x.table.get('b')!.State).toBe('suspect');
    expect(x.transitions).toEqual(['suspect']);
    run(x, 27_001, 27_001);
    expect(x.table.get('b')!.State).toBe('dead');
  });

  it('contact after the stall keeps a suspect from dying, and its refutation brings it back', () => {
    const x = setup({ k: 0, members: [rec('b', 'suspect', 2)] });
    run(x, 1, 1001);
    run(x, 15_001, 17_001);
    x.m.contact('b', T0 + 17_500);
    run(x, 18_001, 21_001);
    expect(x.table.get('b')!.State).toBe('suspect');
    x.m.receive({ op: 'gossip', members: [rec('b', 'alive', 3)] }, 'b', T0 + 21_100);
    expect(x.table.get('b')).toEqual(rec('b', 'alive', 3));
  });
});

describe('relaying a ping_req', () => {
  it('pings the target and answers later through a reply effect', () => {
    const { m } = setup({ members: [rec('b'), rec('c')] });
    const r = m.receive({ op: 'ping_req', target: 'c', address: 'ignored:1' }, 'b', T0);
    expect(r.reply).toBeUndefined();
    const ping = ofOp(r.effects, 'ping')[0]!;
    expect(ping).toMatchObject({ to: 'c:7946', toId: 'c', timeoutMs: HB / 2 });
    expect(r.deferred).toBe(ping.seq);
    expect(m.response(ping.seq, { op: 'ping', id: 'c', incarnation: 1, state: 'alive' }, T0 + 3)).toEqual([
      { type: 'reply', token: r.deferred, msg: { op: 'ping_req', reachable: true } },
    ]);
  });

  it('answers unreachable on a timeout or a reply from another ID; pings the given address when the target is unknown', () => {
    const { m } = setup({ members: [rec('b')] });
    const r1 = m.receive({ op: 'ping_req', target: 'x', address: '10.0.0.9:7946' }, 'b', T0);
    expect(ofOp(r1.effects, 'ping')[0]!.to).toBe('10.0.0.9:7946');
    expect(m.response(r1.deferred!, { op: 'ping', id: 'y', incarnation: 1, state: 'alive' }, T0)).toEqual([
      { type: 'reply', token: r1.deferred, msg: { op: 'ping_req', reachable: false } },
    ]);
    const r2 = m.receive({ op: 'ping_req', target: 'b', address: 'b:7946' }, 'b', T0);
    expect(m.response(r2.deferred!, null, T0 + 500)[0]).toMatchObject({ type: 'reply', msg: { reachable: false } });
    expect(m.receive({ op: 'ping_req', target: 'self', address: 'self:7946' }, 'b', T0).reply).toEqual({ op: 'ping_req', reachable: true });
  });
});

describe('gossip (docs/cluster.md §2)', () => {
  it('pushes the full list to one random live peer and to one random dead member per round; never to leaving ones', () => {
    const { m } = setup({ members: [rec('b'), rec('c', 'suspect')] });
    m.receive({ op: 'gossip', members: [rec('d', 'alive', 2), rec('e', 'alive', 2)] }, 'b', T0);
    m.receive({ op: 'gossip', members: [rec('d', 'dead', 2), rec('e', 'leaving', 2)] }, 'b', T0);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const out = ofOp(m.gossipTick(T0 + i * 1000), 'gossip');
      expect(out).toHaveLength(2);
      expect(['b', 'c']).toContain(out[0]!.toId);
      expect(out[1]!.toId).toBe('d');
      expect(out[0]!.timeoutMs).toBe(2000);
      expect((out[0]!.msg as { members: MemberRecord[] }).members.map((r) => r.ID)).toEqual(['b', 'c', 'd', 'e', 'self']);
      seen.add(out[0]!.toId!);
    }
    expect(seen).toEqual(new Set(['b', 'c']));
  });

  it('merges a received list and answers with its own (push-pull); the sender merges the answer', () => {
    const { m, table } = setup();
    const r = m.receive({ op: 'gossip', members: [rec('b', 'alive', 3), rec('c', 'dead', 1)] }, 'b', T0);
    expect(r.reply).toEqual({ op: 'gossip', id: 'self', members: [rec('b', 'alive', 3), rec('self')] });
    const push = ofOp(m.gossipTick(T0 + 1), 'gossip')[0]!;
    m.response(push.seq, { op: 'gossip', id: 'b', members: [rec('b', 'alive', 3), rec('c', 'suspect', 2)] }, T0 + 5);
    expect(table.list()).toEqual([rec('b', 'alive', 3), rec('c', 'suspect', 2), rec('self')]);
  });
});

describe('refutation (docs/cluster.md §2, I11)', () => {
  it('a suspect record about self at its incarnation raises it by one and pushes to the sender and one random peer', () => {
    const { m, table, counters } = setup({ members: [rec('b'), rec('c'), rec('d')] });
    const r = m.receive({ op: 'gossip', members: [rec('self', 'suspect', 1)] }, 'b', T0);
    expect(table.self()).toEqual(rec('self', 'alive', 2));
    expect(counters.Refutations).toBe(1);
    expect(others(r.effects)).toEqual([{ type: 'selfRefuted', incarnation: 2, claimedState: 'suspect', claimedIncarnation: 1, from: 'b' }]);
    const pushes = ofOp(r.effects, 'gossip');
    expect(pushes).toHaveLength(2);
    expect(pushes[0]!.toId).toBe('b');
    expect(['c', 'd']).toContain(pushes[1]!.toId);
    expect((pushes[0]!.msg as { members: MemberRecord[] }).members).toContainEqual(rec('self', 'alive', 2));
    expect(r.reply).toMatchObject({ members: expect.arrayContaining([rec('self', 'alive', 2)]) });
  });

  it.each([
    ['dead', 4, 5],
    ['leaving', 1, 2],
    ['suspect', 0, 1],
  ] as const)('a %s claim at incarnation %s leaves self alive at %s', (state, inc, expected) => {
    const { m, table } = setup({ members: [rec('b')] });
    m.receive({ op: 'gossip', members: [rec('self', state, inc)] }, 'b', T0);
    expect(table.self()).toEqual(rec('self', 'alive', expected));
  });

  it('a ping carrying suspicion is refuted in the reply', () => {
    const { m } = setup({ members: [rec('b')] });
    const r = m.receive({ op: 'ping', from: 'b', fromIncarnation: 1, fromState: 'alive', suspicion: rec('self', 'suspect', 1) }, 'b', T0);
    expect(r.reply).toEqual({ op: 'ping', id: 'self', incarnation: 2, state: 'alive' });
  });

  it('adopts a higher alive incarnation without counting a refutation; never refutes while draining', () => {
    const { m, table, counters } = setup({ members: [rec('b')] });
    m.receive({ op: 'gossip', members: [rec('self', 'alive', 6)] }, 'b', T0);
    expect(table.self().Incarnation).toBe(6);
    expect(counters.Refutations).toBe(0);
    m.leave();
    m.receive({ op: 'gossip', members: [rec('self', 'suspect', 6), rec('self', 'dead', 9)] }, 'b', T0);
    expect(table.self()).toEqual(rec('self', 'leaving', 6));
    expect(counters.Refutations).toBe(0);
  });
});

describe('join (docs/cluster.md §2)', () => {
  it.each([
    ['unknown joiner: its claimed incarnation', undefined, 1, 1],
    ['known joiner: max(claimed, known + 1)', rec('j', 'dead', 3), 1, 4],
    ['known joiner with a higher claim', rec('j', 'alive', 3), 8, 8],
  ])('%s', (_, known, claimed, assigned) => {
    const { m, table } = setup({ members: [rec('b')] });
    if (known) {
      m.receive({ op: 'gossip', members: [{ ...known, State: 'alive' }] }, 'b', T0);
      m.receive({ op: 'gossip', members: [known] }, 'b', T0);
    }
    const r = m.receive({ op: 'join', id: 'j', address: 'j-new:7946', incarnation: claimed }, 'j', T0);
    const expected = { ID: 'j', Address: 'j-new:7946', State: 'alive', Incarnation: assigned };
    expect(table.get('j')).toEqual(expected);
    const claim = known && known.State !== 'alive' ? { claim: known } : {};
    expect(r.reply).toEqual({ op: 'join', id: 'self', members: [rec('b'), expected, rec('self')], ...claim });
  });

  it.each([
    ['dead at the claimed incarnation', rec('j', 'dead', 3), 3, rec('j', 'dead', 3)],
    ['suspect above it', rec('j', 'suspect', 4), 2, rec('j', 'suspect', 4)],
    ['leaving', rec('j', 'leaving', 1), 1, rec('j', 'leaving', 1)],
    ['alive (nothing to refute)', rec('j', 'alive', 3), 3, undefined],
    ['dead below the claimed incarnation (already outbid)', rec('j', 'dead', 2), 3, undefined],
  ])('the reply carries the record held against a known joiner when it was %s', (_, known, claimed, claim) => {
    const { m } = setup({ members: [rec('b'), { ...known, State: 'alive' }] });
    m.receive({ op: 'gossip', members: [known] }, 'b', T0);
    const r = m.receive({ op: 'join', id: 'j', address: 'j:7946', incarnation: claimed }, 'j', T0);
    expect((r.reply as { claim?: MemberRecord }).claim).toEqual(claim);
  });

  it('a joiner told it was held dead refutes it: counted, at the incarnation the seed assigned, pushed', () => {
    const { m, table, counters } = setup({ seeds: [{ kind: 'id', id: 'seed', address: 'seed:7946' }] });
    const join = ofOp(m.start(T0), 'join')[0]!;
    const out = m.response(join.seq, { op: 'join', id: 'seed', members: [rec('seed'), rec('self', 'alive', 5)], claim: rec('self', 'dead', 4) }, T0 + 5);
    expect(table.self()).toEqual(rec('self', 'alive', 5));
    expect(counters.Refutations).toBe(1);
    expect(others(out)).toContainEqual({ type: 'selfRefuted', incarnation: 5, claimedState: 'dead', claimedIncarnation: 4, from: 'seed' });
    expect(ofOp(out, 'gossip').map((g) => g.toId)).toEqual(['seed']);
  });

  it('ignores a join carrying its own ID (a dns+ seed resolving to self)', () => {
    const { m, table } = setup();
    const v = table.membershipVersion;
    expect(m.receive({ op: 'join', id: 'self', address: '10.0.0.1:7946', incarnation: 1 }, 'self', T0).reply).toEqual({ op: 'join', id: 'self', members: [rec('self')] });
    expect(table.membershipVersion).toBe(v);
  });

  it('the joiner adopts the incarnation the seed assigned', () => {
    const { m, table } = setup({ seeds: [{ kind: 'addr', address: 'seed:7946' }] });
    const join = ofOp(m.start(T0), 'join')[0]!;
    expect(join.msg).toEqual({ op: 'join', id: 'self', address: 'self:7946', incarnation: 1 });
    const out = m.response(join.seq, { op: 'join', id: 'seed', members: [{ ...rec('seed'), Address: 'seed:7946' }, rec('self', 'alive', 5)] }, T0 + 5);
    expect(table.self().Incarnation).toBe(5);
    expect(others(out)).toContainEqual({ type: 'joined', via: 'join' });
    expect(m.isJoined()).toBe(true);
  });
});

describe('seeds (docs/cluster.md §2, docs/lifecycle.md §2)', () => {
  it('an id@ seed is a member from boot (alive, incarnation 0) that is never gossiped; a real record replaces it', () => {
    const { m, table } = setup({ seeds: [{ kind: 'id', id: 'n1', address: 'n1:7946' }] });
    expect(table.get('n1')).toEqual(rec('n1', 'alive', 0));
    expect(table.ringMembers()).toContain('n1');
    const [join] = ofOp(m.start(T0), 'join');
    expect(join!.to).toBe('n1:7946');
    const gossip = ofOp(m.gossipTick(T0), 'gossip')[0]!;
    expect((gossip.msg as { members: MemberRecord[] }).members.map((r) => r.ID)).toEqual(['self']);
    m.response(join!.seq, { op: 'join', id: 'n1', members: [rec('n1', 'alive', 2), rec('self')] }, T0 + 5);
    expect(table.get('n1')).toEqual(rec('n1', 'alive', 2));
  });

  it('seed id mismatch: the configured record is forgotten, the real one used, WARN effect', () => {
    const { m, table } = setup({ seeds: [{ kind: 'id', id: 'typo', address: 'n1:7946' }] });
    const [join] = ofOp(m.start(T0), 'join');
    const out = m.response(join!.seq, { op: 'join', id: 'n1', members: [rec('n1'), rec('self')] }, T0 + 5);
    expect(others(out)).toEqual([
      { type: 'seedIdMismatch', address: 'n1:7946', configuredId: 'typo', actualId: 'n1' },
      { type: 'stateChanged', id: 'n1', address: 'n1:7946', from: null, to: 'alive', incarnation: 1 },
      { type: 'joined', via: 'join' },
    ]);
    expect(table.list().map((r) => r.ID)).toEqual(['n1', 'self']);
    expect(logLineOf(out[0]!)).toEqual({ level: 'warn', msg: 'seed id mismatch', attrs: { seed_addr: 'n1:7946', configured_id: 'typo', actual_id: 'n1' } });
  });

  it('seed id mismatch found by a probe (after joining elsewhere) forgets the configured record too', () => {
    const { m, table, counters } = setup({ seeds: [{ kind: 'addr', address: 'n2:7946' }, { kind: 'id', id: 'typo', address: 'n1:7946' }] });
    for (const j of ofOp(m.start(T0), 'join')) m.response(j.seq, j.to === 'n2:7946' ? { op: 'join', id: 'n2', members: [rec('n2')] } : null, T0 + 5);
    const ping = ofOp(m.tick(T0 + 10), 'ping').find((p) => p.toId === 'typo')!;
    const out = m.response(ping.seq, { op: 'ping', id: 'n1', incarnation: 1, state: 'alive' }, T0 + 15);
    expect(others(out)).toEqual([{ type: 'seedIdMismatch', address: 'n1:7946', configuredId: 'typo', actualId: 'n1' }]);
    expect(sends(out)).toEqual([]);
    expect(table.get('typo')).toBeUndefined();
    expect(counters.HeartbeatFailure).toBe(1);
  });

  it('a host:port seed creates no member until it answers, and one answering with self’s ID is ignored for good', () => {
    const { m, table } = setup({ seeds: [{ kind: 'addr', address: 'me-too:7946' }] });
    const [join] = ofOp(m.start(T0), 'join');
    expect(table.list()).toEqual([rec('self')]);
    m.response(join!.seq, { op: 'join', id: 'self', members: [rec('self')] }, T0 + 5);
    expect(table.list()).toEqual([rec('self')]);
    expect(m.isJoined()).toBe(false);
    expect(ofOp(m.seedTick(T0 + 1000), 'join')).toEqual([]);
  });

  it('contacts every seed each second until joined, then every 5 s only seed addresses without a live member', () => {
    const { m } = setup({
      seeds: [{ kind: 'addr', address: 'a:7946' }, { kind: 'id', id: 'b', address: 'b:7946' }, { kind: 'dns', name: 'svc:7946' }],
    });
    const first = ofOp(m.start(T0, ['10.0.0.1:7946', '10.0.0.2:7946']), 'join');
    expect(first.map((j) => j.to)).toEqual(['a:7946', 'b:7946', '10.0.0.1:7946', '10.0.0.2:7946']);
    for (const j of first) m.response(j.seq, null, T0 + 500);
    expect(ofOp(m.seedTick(T0 + 999), 'join')).toEqual([]);
    const second = ofOp(m.seedTick(T0 + 1000), 'join');
    expect(second).toHaveLength(4);
    // a answers (as node a); 10.0.0.1 is a too; the rest time out.
    for (const j of second) {
      const id = j.to === 'a:7946' || j.to === '10.0.0.1:7946' ? 'a' : undefined;
      m.response(j.seq, id ? { op: 'join', id, members: [rec('a')] } : null, T0 + 1100);
    }
    expect(m.isJoined()).toBe(true);
    // Joined: a (also at 10.0.0.1) is alive and b's boot record is alive, so only 10.0.0.2 is contacted, every 5 s.
    const third = ofOp(m.seedTick(T0 + 2000), 'join');
    expect(third.map((j) => j.to)).toEqual(['10.0.0.2:7946']);
    m.response(third[0]!.seq, null, T0 + 4000);
    expect(ofOp(m.seedTick(T0 + 6999), 'join')).toEqual([]);
    expect(ofOp(m.seedTick(T0 + 7000), 'join').map((j) => j.to)).toEqual(['10.0.0.2:7946']);
  });

  it('does not stack joins to an address whose previous join is still in flight', () => {
    const { m } = setup({ seeds: [{ kind: 'addr', address: 'a:7946' }] });
    expect(ofOp(m.start(T0), 'join')).toHaveLength(1);
    expect(ofOp(m.seedTick(T0 + 1000), 'join')).toHaveLength(0);
  });

  it('joined: at once without seeds; by a gossip exchange either way; or after the 15 s grace with no peer contact', () => {
    expect(setup().m.isJoined()).toBe(true);

    const g = setup({ seeds: [{ kind: 'addr', address: 'a:7946' }] });
    g.m.start(T0);
    expect(g.m.isJoined()).toBe(false);
    expect(others(g.m.receive({ op: 'gossip', members: [rec('z')] }, 'z', T0 + 10).effects)).toContainEqual({ type: 'joined', via: 'gossip' });

    const lone = setup({ seeds: [{ kind: 'addr', address: 'a:7946' }] });
    lone.m.start(T0);
    for (let t = HB; t < JOIN_GRACE_MS; t += HB) expect(others(lone.m.tick(T0 + t))).toEqual([]);
    expect(others(lone.m.tick(T0 + JOIN_GRACE_MS - 1))).toEqual([]);
    const out = lone.m.tick(T0 + JOIN_GRACE_MS);
    expect(others(out)).toEqual([{ type: 'joinGraceElapsed' }]);
    expect(logLineOf(out[0]!)).toMatchObject({ level: 'warn', msg: 'no seed reachable; serving as a single-node cluster' });
    expect(lone.m.isJoined()).toBe(true);

    const touched = setup({ seeds: [{ kind: 'addr', address: 'a:7946' }] });
    touched.m.start(T0);
    touched.m.contact('someone', T0 + 100);
    for (let t = HB; t <= JOIN_GRACE_MS + 1; t += HB) expect(others(touched.m.tick(T0 + t))).toEqual([]);
    expect(touched.m.isJoined()).toBe(false);
  });
});

describe('graceful leave (docs/cluster.md §2, I10)', () => {
  it('marks self leaving at the same incarnation, pushes to every live member, and keeps gossiping as leaving', () => {
    const { m, table, counters } = setup({ members: [rec('b'), rec('c', 'suspect'), rec('d')] });
    m.receive({ op: 'gossip', members: [rec('d', 'dead')] }, 'b', T0);
    const out = m.leave();
    expect(table.self()).toEqual(rec('self', 'leaving', 1));
    expect(table.ringMembers()).not.toContain('self');
    expect(m.isDraining()).toBe(true);
    expect(ofOp(out, 'gossip').map((s) => s.toId)).toEqual(['b', 'c']);
    expect((ofOp(out, 'gossip')[0]!.msg as { members: MemberRecord[] }).members).toContainEqual(rec('self', 'leaving', 1));
    const later = ofOp(m.gossipTick(T0 + 1000), 'gossip')[0]!;
    expect((later.msg as { members: MemberRecord[] }).members).toContainEqual(rec('self', 'leaving', 1));
    expect(counters.NodesLeaving).toBe(0);
  });

  it('a peer drops a leaving member from the ring at once and never probes it', () => {
    const { m, table, counters } = setup({ members: [rec('b'), rec('c')] });
    m.receive({ op: 'gossip', members: [rec('b', 'leaving')] }, 'b', T0);
    expect(table.ringMembers()).toEqual(['self', 'c']);
    expect(counters.NodesLeaving).toBe(1);
    expect(ofOp(m.tick(T0 + 1), 'ping').map((p) => p.toId)).toEqual(['c']);
  });
});

describe('retention of dead and leaving records (docs/cluster.md §2)', () => {
  it.each(['dead', 'leaving'] as const)('a %s record outlives stale gossip for 60 s, then is forgotten', (state) => {
    const { m, table, counters } = setup({ members: [rec('b'), rec('c')] });
    m.receive({ op: 'gossip', members: [rec('c', state)] }, 'b', T0 + 1000);
    m.receive({ op: 'gossip', members: [rec('c', 'alive', 1)] }, 'b', T0 + 50_000);
    m.receive({ op: 'gossip', members: [rec('c', 'suspect', 1)] }, 'b', T0 + 50_000);
    expect(table.get('c')).toEqual(rec('c', state));
    m.contact('b', T0 + 59_000);
    expect(others(m.tick(T0 + 60_999))).toEqual([]);
    expect(others(m.tick(T0 + 61_000))).toEqual([{ type: 'forgotten', id: 'c' }]);
    expect(table.get('c')).toBeUndefined();
    expect(counters.NodesRemoved).toBe(1);
    m.receive({ op: 'gossip', members: [rec('c', 'dead', 1)] }, 'b', T0 + 61_001);
    m.receive({ op: 'gossip', members: [rec('c', 'leaving', 1)] }, 'b', T0 + 61_001);
    expect(table.get('c')).toBeUndefined();
  });

  it('a higher incarnation revives a retained record with a fresh detection window', () => {
    const { m, table, timeoutAll } = setup({ k: 0, members: [rec('b'), rec('c')] });
    m.receive({ op: 'gossip', members: [rec('c', 'dead')] }, 'b', T0);
    m.receive({ op: 'gossip', members: [rec('c', 'alive', 2)] }, 'b', T0 + 30_000);
    const at = (t: number) => timeoutAll(m.tick(T0 + t), T0 + t);
    for (const t of [31_000, 32_000, 33_000]) at(t);
    expect(table.get('c')).toEqual(rec('c', 'alive', 2));
    for (let t = 34_000; t <= 37_000; t += HB) at(t);
    expect(table.get('c')!.State).toBe('dead');
  });
});

describe('events and version (docs/api.md §2.7)', () => {
  it('each applied change bumps the version and emits member + members; a no-op message emits nothing', () => {
    const { m, table, events } = setup({ members: [rec('b')] });
    const v = table.membershipVersion;
    m.receive({ op: 'gossip', members: [rec('b'), rec('c', 'dead')] }, 'b', T0);
    expect(events).toEqual([]);
    expect(table.membershipVersion).toBe(v);
    m.receive({ op: 'gossip', members: [rec('b', 'suspect'), rec('c')] }, 'b', T0);
    expect(events).toEqual([
      { type: 'member', member: rec('b', 'suspect'), previous: 'alive' },
      { type: 'members' },
      { type: 'member', member: rec('c'), previous: null },
      { type: 'members' },
    ]);
    expect(table.membershipVersion).toBe(v + 2);
  });

  it('maps state changes to the docs/lifecycle.md §5 log lines (WARN for dead)', () => {
    const { m } = setup({ members: [rec('b')] });
    const out = m.receive({ op: 'gossip', members: [rec('b', 'dead')] }, 'b', T0).effects;
    expect(out.map(logLineOf)).toEqual([
      { level: 'warn', msg: 'member state changed', attrs: { peer_id: 'b', from: 'alive', to: 'dead', incarnation: 1 } },
    ]);
    expect(logLineOf({ type: 'selfRefuted', incarnation: 3, claimedState: 'suspect', claimedIncarnation: 2, from: 'b' })).toMatchObject({ level: 'info', msg: 'self refuted suspicion' });
    expect(logLineOf({ type: 'joined', via: 'join' })).toEqual({ level: 'info', msg: 'cluster joined', attrs: { via: 'join' } });
  });
});
