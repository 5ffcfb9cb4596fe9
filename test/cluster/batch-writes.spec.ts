import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type ClusterNode, formed } from '../support/cluster.js';
import { auth, client, distMetrics, ownersOf } from '../support/http.js';
import { within } from '../support/poll.js';
import { sampleSum, scrapeNode } from '../support/prom-text.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/**
 * A batch put as one unit of work (docs/cluster.md §4.1) over real processes: 4 nodes, RF 3, so the
 * items of one batch span every owner set and the entry node owns only some of them. HEARTBEAT 10 s
 * keeps a killed node on the ring for the test; hint replay and anti-entropy are slowed so the hints
 * stay queued where the test reads them.
 */
const IDS = ['node-1', 'node-2', 'node-3', 'node-4'];
const ITEMS = 120;

interface PutResult {
  key: string;
  stored: boolean;
  acks?: number;
  owners?: string[];
  code?: string;
}

async function batchPut(n: ClusterNode, keys: string[]): Promise<PutResult[]> {
  const r = await fetch(`${client(n)}/v1/cache/batch/put`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', 'x-consistency': 'quorum' },
    body: JSON.stringify({ items: keys.map((key) => ({ key, value: `v-${key}` })) }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: PutResult[] }).results;
}

describe('batch put across 4 processes, RF 3, one node down', () => {
  let cluster: Cluster;
  let nodes: ClusterNode[];
  beforeAll(async () => {
    cluster = new Cluster();
    await cluster.define(IDS, {
      HYPERCACHE_HEARTBEAT: '10s', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '3',
      HYPERCACHE_HINT_REPLAY: '1h', HYPERCACHE_MERKLE_INTERVAL: '0',
    });
    nodes = await cluster.start(IDS);
    await within('4 alive members on every node', 15_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('every item gets its own acks and owners, the dead owner a hint per item, and forwarded items travel as a few coordinate calls', async () => {
    const [entry] = nodes as [ClusterNode];
    await cluster.kill('node-4');
    const keys = Array.from({ length: ITEMS }, (_, i) => `batch-${i}`);
    const owners = new Map<string, string[]>();
    for (const k of keys) owners.set(k, await ownersOf(entry, k));
    const owned = keys.filter((k) => owners.get(k)!.includes('node-1'));
    const onDead = keys.filter((k) => owners.get(k)!.includes('node-4'));
    expect(owned.length).toBeGreaterThan(0);
    expect(owned.length).toBeLessThan(ITEMS);
    expect(onDead.length).toBeGreaterThan(0);
    const coordinateBefore = sampleSum(await scrapeNode(entry), 'hypercache_peer_requests_total', { op: 'coordinate' }) ?? 0;

    const results = await batchPut(entry, keys);
    results.forEach((r, i) => {
      const k = keys[i]!;
      expect(r, k).toMatchObject({ key: k, stored: true, owners: owners.get(k) });
      // QUORUM of 3 answers at 2 acks; an item with the dead owner cannot have more.
      expect(r.acks, k).toBeGreaterThanOrEqual(2);
      if (onDead.includes(k)) expect(r.acks, k).toBe(2);
    });

    // Each item owned by the dead node left exactly one hint, at whichever node coordinated it.
    const live = nodes.filter((n) => n.id !== 'node-4');
    await within('a hint per item owned by node-4', 10_000, async () =>
      (await Promise.all(live.map(distMetrics))).reduce((s, d) => s + d.HintedPending!, 0) === onDead.length);
    const d1 = await distMetrics(entry);
    expect(d1.WriteAttempts).toBe(owned.length);
    expect(d1.ForwardSet).toBeGreaterThanOrEqual(ITEMS - owned.length);
    // The forwarded items went as one call per coordinator (plus the moves past the dead one), not one per item.
    const coordinateCalls = (sampleSum(await scrapeNode(entry), 'hypercache_peer_requests_total', { op: 'coordinate' }) ?? 0) - coordinateBefore;
    expect(coordinateCalls).toBeGreaterThan(0);
    expect(coordinateCalls).toBeLessThanOrEqual(6);
    for (const k of keys.slice(0, 10)) {
      for (const n of live.filter((m) => owners.get(k)!.includes(m.id))) {
        const r = await fetch(`${client(n)}/v1/cache/${k}`, { headers: auth() });
        expect(r.status, `${k} on ${n.id}`).toBe(200);
        expect(await r.text()).toBe(`v-${k}`);
      }
    }
  });
});
