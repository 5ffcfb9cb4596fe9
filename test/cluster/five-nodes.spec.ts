import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, formed, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/** A 5-node, RF 3 cluster (the compose layout's size): formation, owner agreement, write anywhere / read anywhere. */
const IDS = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];

describe('a 5-node cluster (RF 3)', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '250ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '3' });
    // docs/deployment.md §2 acceptance: every node lists 5 alive members within 15 s of the last start.
    await within('5 alive members on every node', 15_000, () => formed(nodes, IDS));
  }, 60_000);
  afterAll(killSpawnedNodes);

  it('I2: every node computes the same 3 owners for every key', async () => {
    for (const key of ['a', 'greeting', 'user:42', 'ключ', '🔑']) {
      const views = await Promise.all(nodes.map(async (n) => (await getJson<{ owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)).body.owners));
      expect(views[0]).toHaveLength(3);
      for (const v of views) expect(v).toEqual(views[0]);
    }
    const rings = await Promise.all(nodes.map(async (n) => (await getJson<{ count: number; vnodes: string[] }>(mgmt(n), '/cluster/ring')).body));
    expect(rings[0]!.count).toBe(5 * 64);
    for (const r of rings) expect(r.vnodes).toEqual(rings[0]!.vnodes);
  });

  it('a quorum write on node 1 reads back on every node at quorum (I4)', async () => {
    const put = await fetch(`${client(nodes[0]!)}/v1/cache/hello`, { method: 'PUT', headers: auth(), body: 'world' });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-cache-acks')).toMatch(/^[23]\/3$/);
    for (const n of nodes) {
      const r = await fetch(`${client(n)}/v1/cache/hello`, { headers: { ...auth(), 'x-consistency': 'quorum' } });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('world');
    }
  });
});
