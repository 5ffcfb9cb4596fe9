import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, type Member, formed, membersOf, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { PROTOCOL_VERSION } from '../../src/peer/peer-protocol.js';
import { killSpawnedNodes, type SpawnedNode } from '../support/spawn-node.js';
import { openEvents } from '../support/sse.js';

/**
 * Membership over the wire (docs/cluster.md §2, docs/peer-protocol.md): real `dist/main.js` processes on loopback. Timings
 * are short (HEARTBEAT/GOSSIP 200–250 ms) wherever the invariant does not fix them, and the
 * documented 1 s where it does (I9).
 */
const ringOf = async (n: ClusterNode) => (await getJson<{ count: number; vnodes: string[] }>(mgmt(n), '/cluster/ring')).body;
const memberOf = async (observer: ClusterNode, id: string) => (await membersOf(observer)).find((m) => m.ID === id);

function logged(n: SpawnedNode, msg: string): Array<Record<string, unknown>> {
  return n
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

/** The first SSE frame of `type` on /cluster/events. */
async function firstEvent<T>(n: ClusterNode, type: string): Promise<T> {
  const stream = await openEvents(`${mgmt(n)}/cluster/events`, auth());
  try {
    return (await stream.until(type, 10_000)).at(-1)!.data as T;
  } finally {
    stream.close();
  }
}

const KEYS = Array.from({ length: 24 }, (_, i) => `key-${i}-${'é'.repeat(i % 3)}`);

describe('a 3-node cluster (HEARTBEAT 200ms, GOSSIP_INTERVAL 250ms)', () => {
  const GOSSIP_MS = 250;
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(['node-1', 'node-2', 'node-3'], { HYPERCACHE_HEARTBEAT: '200ms', HYPERCACHE_GOSSIP_INTERVAL: `${GOSSIP_MS}ms` });
  });
  afterAll(killSpawnedNodes);

  it('forms: 3 alive members everywhere, one ring, identical owners (I2), readiness up, SSE snapshot', async () => {
    await within('3 alive members on every node', 10_000, () => formed(nodes, ['node-1', 'node-2', 'node-3']));

    const rings = await Promise.all(nodes.map(ringOf));
    expect(rings[0]!.count).toBe(3 * 64);
    expect(rings[1]).toEqual(rings[0]);
    expect(rings[2]).toEqual(rings[0]);

    for (const key of KEYS) {
      const answers = await Promise.all(nodes.map((n) => getJson<{ key: string; owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((a) => a.body.owners.join(','))).size, key).toBe(1);
      expect([...answers[0]!.body.owners].sort()).toEqual(['node-1', 'node-2', 'node-3']);
    }

    for (const n of nodes) {
      const health = await getJson<{ status: string; details: { cluster: unknown } }>(mgmt(n), '/health');
      expect(health.status).toBe(200);
      expect(health.body.details.cluster).toEqual({ status: 'up', joined: true, alive: 3, ring_members: 3 });
      expect(logged(n, 'cluster joined')).toHaveLength(1);
    }
    const snapshot = await firstEvent<{ members: Member[] }>(nodes[0]!, 'members');
    expect(snapshot.members.map((m) => `${m.ID}:${m.State}`)).toEqual(['node-1:alive', 'node-2:alive', 'node-3:alive']);
  });

  it('I11: a suspect record about X at its incarnation, gossiped to X → X raises its incarnation and stays alive', async () => {
    const x = nodes[1]!;
    const before = (await memberOf(x, x.id))!;
    const r = await fetch(`http://${x.distAddr}/peer/gossip`, {
      method: 'POST',
      headers: { ...auth(), 'x-hypercache-node': 'node-1', 'x-hypercache-protocol': String(PROTOCOL_VERSION), 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'gossip', members: [{ ...before, State: 'suspect' }] }),
    });
    expect(r.status).toBe(200);
    const reply = (await r.json()) as { id: string; members: Member[] };
    expect(reply.id).toBe(x.id);
    // On the peer wire the record also carries X's client API URL (docs/cluster.md §2.2).
    expect(reply.members.find((m) => m.ID === x.id)).toEqual({ ...before, State: 'alive', Incarnation: before.Incarnation + 1, ApiURL: client(x) });
    expect(await memberOf(x, x.id)).toEqual({ ...before, Incarnation: before.Incarnation + 1 });
    expect(logged(x, 'self refuted suspicion')).toHaveLength(1);
    // The refutation reaches the others (pushed to the sender and one peer, then gossip).
    await within('every node holds X alive at the new incarnation', 5_000, async () =>
      (await Promise.all(nodes.map((n) => memberOf(n, x.id)))).every((m) => m?.State === 'alive' && m.Incarnation === before.Incarnation + 1),
    );
  });

  it('a host:port seed (no ID) joins: the newcomer and every node list 4 alive members', async () => {
    const [newcomer] = await Cluster.launch(['node-4'], { HYPERCACHE_HEARTBEAT: '200ms', HYPERCACHE_GOSSIP_INTERVAL: `${GOSSIP_MS}ms`, HYPERCACHE_SEEDS: nodes[0]!.distAddr });
    nodes.push(newcomer!);
    await within('4 alive members on every node', 10_000, () => formed(nodes, ['node-1', 'node-2', 'node-3', 'node-4']));
    expect(logged(newcomer!, 'cluster joined')).toEqual([expect.objectContaining({ via: 'join' })]);
    expect((await ringOf(newcomer!)).count).toBe(4 * 64);
  });

  it(`I10: SIGTERM one node → the others show it draining and drop it from the ring within 2 × GOSSIP_INTERVAL; it exits 0`, async () => {
    const leaver = nodes[2]!;
    const observers = nodes.filter((n) => n !== leaver);
    const started = Date.now();
    leaver.kill('SIGTERM');
    const elapsed = await within('draining and out of the ring everywhere', 5_000, async () => {
      const views = await Promise.all(observers.map(async (o) => ({ member: await memberOf(o, leaver.id), ring: await ringOf(o) })));
      return views.every((v) => v.member?.State === 'draining' && v.ring.count === 3 * 64 && !v.ring.vnodes.some((e) => e.endsWith(`:${leaver.id}`)));
    }, 5);
    console.info(`I10: draining + ring exclusion on ${observers.length} observers after ${elapsed} ms (bound ${2 * GOSSIP_MS} ms)`);
    expect(elapsed).toBeLessThanOrEqual(2 * GOSSIP_MS);
    expect(await leaver.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const o of observers) {
      expect(logged(o, 'member state changed')).toContainEqual(expect.objectContaining({ peer_id: leaver.id, from: 'alive', to: 'draining' }));
    }
  });
});

describe('I9: SIGKILL one node of 3 (HEARTBEAT 1s)', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(['node-1', 'node-2', 'node-3'], { HYPERCACHE_HEARTBEAT: '1s', HYPERCACHE_GOSSIP_INTERVAL: '1s' });
    await within('3 alive members on every node', 15_000, () => formed(nodes, ['node-1', 'node-2', 'node-3']));
  });
  afterAll(killSpawnedNodes);

  it('every other node shows it suspect within 5 s and dead within 8 s, then its ring excludes it', async () => {
    const victim = nodes[2]!;
    const observers = nodes.slice(0, 2);
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const firstSeen = { suspect: new Map<string, number>(), dead: new Map<string, number>() };
    await within('dead everywhere', 10_000, async () => {
      for (const o of observers) {
        const m = await memberOf(o, victim.id);
        const at = Date.now() - killedAt;
        if ((m?.State === 'suspect' || m?.State === 'dead') && !firstSeen.suspect.has(o.id)) firstSeen.suspect.set(o.id, at);
        if (m?.State === 'dead' && !firstSeen.dead.has(o.id)) firstSeen.dead.set(o.id, at);
      }
      return firstSeen.dead.size === observers.length;
    }, 50);
    console.info(`I9: suspect after ${[...firstSeen.suspect.values()].join('/')} ms, dead after ${[...firstSeen.dead.values()].join('/')} ms`);
    for (const o of observers) {
      expect(firstSeen.suspect.get(o.id), `${o.id} suspect`).toBeLessThanOrEqual(5_000);
      expect(firstSeen.dead.get(o.id), `${o.id} dead`).toBeLessThanOrEqual(8_000);
      const ring = await ringOf(o);
      expect(ring.count).toBe(2 * 64);
      expect(ring.vnodes.some((e) => e.endsWith(`:${victim.id}`))).toBe(false);
      expect(logged(o, 'member state changed')).toContainEqual(expect.objectContaining({ peer_id: victim.id, to: 'dead', level: 'warn' }));
    }
  });
});

describe('nodes with different peer tokens', () => {
  afterAll(killSpawnedNodes);

  it('do not form a cluster: each keeps only itself on the ring, is not joined, and warns about the refused credentials', async () => {
    const HB_MS = 200;
    const nodes = await Cluster.launch(['node-a', 'node-b'], (id) => ({
      HYPERCACHE_HEARTBEAT: `${HB_MS}ms`, HYPERCACHE_GOSSIP_INTERVAL: `${HB_MS}ms`, HYPERCACHE_DIST_TOKEN: `peer-token-of-${id}`,
    }));
    // The unconfirmed `id@` seed record goes dead after 6 × HEARTBEAT; by then each node has tried
    // to join the other (every 1 s) and been refused.
    await within('the other node is dead on both', 10_000, async () =>
      (await Promise.all(nodes.map(async (n) => (await membersOf(n)).find((m) => m.ID !== n.id)?.State === 'dead'))).every(Boolean),
    );
    for (const n of nodes) {
      const other = nodes.find((o) => o !== n)!;
      const members = await membersOf(n);
      expect(members.find((m) => m.ID === n.id)).toMatchObject({ State: 'alive', Incarnation: 1 });
      // Only the boot record of the configured `id@` seed exists, never confirmed (incarnation 0), and dead by now.
      expect(members.find((m) => m.ID === other.id)).toMatchObject({ State: 'dead', Incarnation: 0 });
      expect((await ringOf(n)).count).toBe(64);
      const health = await getJson<{ details: { cluster: unknown } }>(mgmt(n), '/health');
      expect(health.status).toBe(503);
      expect(health.body.details.cluster).toEqual({ status: 'down', joined: false, alive: 1, ring_members: 1 });
      expect((await getJson<{ heartbeatSuccess: number }>(mgmt(n), '/cluster/heartbeat')).body.heartbeatSuccess).toBe(0);
      expect(logged(n, 'peer refused our credentials; check the peer token, and our certificate names against its allowlist')).toEqual([expect.objectContaining({ peer: other.distAddr })]);
    }
  });
});
