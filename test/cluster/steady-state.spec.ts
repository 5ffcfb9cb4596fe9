import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, formed, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within, hold } from '../support/poll.js';
import { type PromSample, sampleSum, scrapeNode } from '../support/prom-text.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/**
 * docs/cluster.md §9.1 I3: with stable membership, idle or under write/delete traffic for ≥ 10 s, no
 * rebalancing happens: RebalancedKeys, hypercache_rebalance_migrations_total and
 * hypercache_rebalance_scans_total do not move on any node.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const LOAD_MS = 10_500;
/** Bounded load: one write or delete per node every 25 ms. */
const OP_GAP_MS = 25;

interface Rebalance {
  rebalancedKeys: number;
  migrations: number;
  scans: number;
}

async function rebalanceOf(n: ClusterNode): Promise<Rebalance> {
  const dist = (await getJson<Record<string, number>>(mgmt(n), '/dist/metrics')).body;
  const s: PromSample[] = await scrapeNode(n);
  const migrations = sampleSum(s, 'hypercache_rebalance_migrations_total');
  const scans = sampleSum(s, 'hypercache_rebalance_scans_total');
  expect(dist.RebalancedKeys, `RebalancedKeys on ${n.id}`).toBeTypeOf('number');
  expect(migrations, `hypercache_rebalance_migrations_total on ${n.id}`).toBeDefined();
  expect(scans, `hypercache_rebalance_scans_total on ${n.id}`).toBeDefined();
  return { rebalancedKeys: dist.RebalancedKeys!, migrations: migrations!, scans: scans! };
}

/** Writes and deletes through `n` until `until` (epoch ms); returns the number of 2xx answers. */
async function load(n: ClusterNode, until: number): Promise<number> {
  let ok = 0;
  for (let i = 0; Date.now() < until; i++) {
    const key = `${n.id}-steady-${i % 50}`;
    const url = `${client(n)}/v1/cache/${encodeURIComponent(key)}`;
    const r = i % 3 === 2
      ? await fetch(url, { method: 'DELETE', headers: auth() })
      : await fetch(url, { method: 'PUT', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: `v${i}` });
    await r.arrayBuffer();
    if (r.status < 300 || r.status === 404) ok++;
    await hold(OP_GAP_MS, 'steady load: the gap between operations');
  }
  return ok;
}

describe('I3: steady state, 3 processes, RF 2', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '250ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '2' });
    await within('3 alive members on every node', 10_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('≥ 10 s of write/delete load with stable membership moves no rebalance counter', async () => {
    const before = await Promise.all(nodes.map(rebalanceOf));
    const started = Date.now();
    const done = await Promise.all(nodes.map((n) => load(n, started + LOAD_MS)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    for (const [i, n] of done.entries()) expect(n, `successful ops through ${IDS[i]}`).toBeGreaterThan(50);
    // Membership stayed stable throughout (the invariant's premise).
    expect(await formed(nodes, IDS)).toBe(true);
    const after = await Promise.all(nodes.map(rebalanceOf));
    for (let i = 0; i < nodes.length; i++) expect(after[i], `rebalance counters on ${IDS[i]}`).toEqual(before[i]);
  }, 30_000);
});
