import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError } from '../../../src/core/errors.js';
import type { WriteOutcome } from '../../../src/core/node.types.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { MemoryNetwork } from '../merkle/memory-network.js';
import { type LoggedEffect, SimNetwork, converged, everyView } from '../membership/sim-network.js';

/**
 * The data-level reproduction of a stalled node (docs/cluster.md §2 local health, §3.1 the quorum
 * floor of the write path), all on one manual clock: real CacheNodes (store, replication
 * coordinator, hints, anti-entropy) on the in-memory data network, their membership machines
 * driven by the simulated membership network. A frozen node's timers and inbound traffic wait
 * until it thaws, its data calls time out; its clock keeps running, so when it thaws its
 * heartbeat tick fires many HEARTBEATs late.
 *
 * Before local health and the quorum floor, the thawed node declared every peer dead at the
 * instant it thawed, was alone on its ring, and acknowledged QUORUM writes with its own ack only
 * (1 of n = 1). With 5 nodes, those of keys it does not own on the full ring then stayed on it
 * alone: once its ring was whole again it was no owner, anti-entropy runs between owners only,
 * and the owners kept (and served) the older version: acknowledged writes lost.
 */
const HB = 1000;
const idsOf = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

interface Acked {
  key: string;
  version: number;
  via: string;
}

/** `n` real nodes, RF 3, each seeding every other one; membership converged and settled. */
function cluster(n: number, seed = 3) {
  const IDS = idsOf(n);
  const sim = new SimNetwork({ heartbeatMs: HB, gossipIntervalMs: HB, seed });
  const net = new MemoryNetwork(IDS, hash, (id) => ({
    heartbeatMs: HB,
    gossipIntervalMs: HB,
    replication: 3,
    seeds: IDS.filter((o) => o !== id).map((o) => ({ kind: 'id' as const, id: o, host: o, port: 7946, raw: `${o}@${o}:7946` })),
  }), () => ({}), { clock: sim.clock, knownPeers: false });
  for (const id of IDS) {
    const node = net.node(id);
    node.useTransport(net.replicationTransport(id));
    sim.add({ id, attach: () => ({ table: node.members, machine: node.membership, counters: node.counters.dist, bus: node.events }) });
  }
  expect(sim.runUntil(() => converged(sim), 10_000), 'membership converged').toBeDefined();
  sim.runFor(5_000);
  return { sim, net, IDS, T: IDS.at(-1)!, RUNNING: IDS.slice(0, -1) };
}

const put = (key: string, value: string) => ({ key, value: Buffer.from(value), ttlMs: 0, consistency: 'quorum' as const });

const deadTransitions = (log: readonly LoggedEffect[], since: number) =>
  log.filter((e) => e.at >= since && e.type === 'stateChanged' && e.to === 'dead').map((e) => (e as { id: string }).id);

/** The `owners` whose store holds `version` of `key` or a newer one. */
function holders(net: MemoryNetwork, key: string, version: number, owners: readonly string[]): string[] {
  return owners.filter((id) => (net.node(id).store.peek(key)?.version ?? -1) >= version);
}

async function writeAt(net: MemoryNetwork, via: string, key: string, value: string): Promise<WriteOutcome | CacheError> {
  return net.node(via).put(put(key, value)).catch((err: unknown) => {
    if (err instanceof CacheError) return err;
    throw err;
  });
}

describe('a stalled node thaws under write load: no acknowledged write lost (docs/cluster.md §2 local health, §3.1 quorum floor, §8 repair)', () => {
  it.each([3, 5])('%s nodes, the last frozen until declared dead, then thawed: it keeps its peers, a QUORUM write at it has 2+ owners or is refused, and every acknowledged write reaches every owner', async (n) => {
    const { sim, net, IDS, T, RUNNING } = cluster(n);
    const acked: Acked[] = [];
    const record = (via: string, key: string, out: WriteOutcome | CacheError) => {
      if (out instanceof CacheError) throw new Error(`write ${key} at ${via} refused on the majority: ${out.code} ${out.message}`);
      acked.push({ key, version: out.version, via });
    };
    const majorityWrite = async (i: number) => {
      const via = RUNNING[i % RUNNING.length]!;
      record(via, `k-${i % 8}`, await writeAt(net, via, `k-${i % 8}`, `majority-${i}`));
    };

    // Freeze T; the majority keeps writing (QUORUM, rotating entry nodes) until all hold T dead, and 2 s more.
    sim.freeze(T);
    net.faults.set(T, 'silent');
    const frozenAt = sim.now;
    let i = 0;
    const deadline = sim.now + 15_000;
    while (!everyView(sim, RUNNING, T, (m) => m?.State === 'dead') && sim.now < deadline) {
      await majorityWrite(i++);
      sim.runFor(250);
    }
    expect(everyView(sim, RUNNING, T, (m) => m?.State === 'dead'), `the running nodes hold ${T} dead`).toBe(true);
    for (const end = sim.now + 2_000; sim.now < end; i++) {
      await majorityWrite(i);
      sim.runFor(250);
    }
    expect(sim.now - frozenAt, 'the freeze outlasts 6 × HEARTBEAT').toBeGreaterThan(6 * HB);

    // Thaw: every timer T missed fires now, late.
    net.faults.delete(T);
    sim.thaw(T);
    const thawedAt = sim.now;

    // (1) T does not blame its running peers for its own pause; its ring keeps them. Soft, like
    // (2): a failure still runs the data steps, which show what the collapsed view costs.
    expect.soft(deadTransitions(sim.node(T).log, thawedAt), `members ${T} declared dead at the thaw`).toEqual([]);
    expect.soft(net.node(T).members.ringMembers().sort(), `${T} ring right after the thaw`).toEqual(IDS);

    // (2) QUORUM writes entered at T right after the thaw (keys T owns on the full ring, and keys it
    // does not): acknowledged by 2+ distinct owners, or refused.
    const ownedByT = (key: string) => net.node(RUNNING[0]!).owners(key).includes(T);
    const candidates = Array.from({ length: 64 }, (_, j) => `t-${j}`);
    const keys = ['k-0', 'k-1', ...candidates.filter(ownedByT).slice(0, 2), ...candidates.filter((k) => !ownedByT(k)).slice(0, 2)];
    for (const key of keys) {
      const out = await writeAt(net, T, key, `thawed-${key}`);
      if (out instanceof CacheError) {
        expect(['QUORUM_NOT_MET', 'UNAVAILABLE'], `${key} refused with`).toContain(out.code);
        continue;
      }
      const have = holders(net, key, out.version, out.owners);
      expect.soft(out.acks, `${key} acknowledged at ${T} with acks ${out.acks}/${out.n}, owners ${out.owners.join(',')}`).toBeGreaterThanOrEqual(2);
      expect.soft(have.length, `${key} acknowledged but held only by ${have.join(',')}`).toBeGreaterThanOrEqual(2);
      acked.push({ key, version: out.version, via: T });
    }

    // Heal on the manual clock: T refutes and is alive everywhere; the ring never shrinks on T.
    let smallestRing = IDS.length;
    const took = sim.runUntil(() => {
      smallestRing = Math.min(smallestRing, net.node(T).members.ringMembers().length);
      return converged(sim);
    }, 10_000);
    expect(took, `${T} alive everywhere again`).toBeDefined();
    expect.soft(smallestRing, `smallest ring on ${T} after the thaw`).toBe(IDS.length);
    for (const id of IDS) expect.soft(deadTransitions(sim.node(id).log, thawedAt).filter((d) => RUNNING.includes(d)), `running members ${id} declared dead`).toEqual([]);

    // (3) 40 s of running cluster, 1 s steps: on every node a hint replay, a rebalance pass and an
    // anti-entropy round (lost copies' 30 s grace and the hints' TTL both run out in it). Then every
    // acknowledged version, or a newer one, is on every owner.
    for (let step = 0; step < 40; step++) {
      for (const id of IDS) {
        const node = net.node(id);
        await node.hintReplayer.tick();
        await node.rebalancer.tick();
        await net.round(id);
      }
      sim.runFor(1_000);
    }
    expect(converged(sim), 'membership still converged').toBe(true);
    const missing = acked.flatMap((a) => {
      const owners = net.node(RUNNING[0]!).owners(a.key);
      const have = holders(net, a.key, a.version, owners);
      return owners.filter((o) => !have.includes(o)).map((o) => `${a.key}@${a.version} (via ${a.via}) missing on ${o}`);
    });
    expect(acked.length).toBeGreaterThan(10);
    expect(missing, 'acknowledged writes lost').toEqual([]);
    for (const id of IDS) expect(net.node(id).hints.pending, `hints left on ${id}`).toBe(0);
    expect(net.node(T).counters.dist.LocalStalls).toBe(1);
  });

  it('a collapsed view (n3 holds its peers dead, as the late tick used to make it) answers QUORUM_NOT_MET 1/3 instead of acknowledging alone', async () => {
    const { net, T, RUNNING } = cluster(3);
    const t = net.node(T);
    for (const id of RUNNING) t.members.set({ ...t.members.get(id)!, State: 'dead' });
    expect(t.members.ringMembers(), 'n3 alone on its ring').toEqual([T]);

    const out = await writeAt(net, T, 'collapsed', 'alone');
    if (!(out instanceof CacheError)) throw new Error(`acknowledged by n3 alone: acks ${out.acks}/${out.n}, owners ${out.owners.join(',')}`);
    expect(out.code).toBe('QUORUM_NOT_MET');
    expect(out.details).toMatchObject({ acks: 1, n: 3, owners: [T] });
    expect(out.message).toBe('write quorum not met: 1 of 2 acks');
    // Nobody else was asked: the refusal is the floor's, not a failed replica's.
    expect(net.calls.filter((c) => c.op === 'replicate' && c.from === T)).toEqual([]);
    for (const id of RUNNING) expect(net.node(id).store.peek('collapsed')).toBeUndefined();
  });
});
