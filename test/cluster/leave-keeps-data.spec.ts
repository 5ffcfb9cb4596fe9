import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, formed, membersOf, Cluster } from '../support/cluster.js';
import { auth, client } from '../support/http.js';
import { within } from '../support/poll.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/** I10 (data half): after a graceful leave, no key that had ≥ 2 copies becomes unreadable. */
const IDS = ['node-1', 'node-2', 'node-3'];
const KEYS = Array.from({ length: 40 }, (_, i) => `leave-${i}`);

describe('graceful leave keeps every key with two or more copies readable', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '250ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '3' });
    await within('3 alive members on every node', 15_000, () => formed(nodes, IDS));
  }, 60_000);
  afterAll(killSpawnedNodes);

  it('SIGTERM one node; every key written at quorum still reads back from the others', async () => {
    for (const key of KEYS) {
      const r = await fetch(`${client(nodes[0]!)}/v1/cache/${key}`, { method: 'PUT', headers: { ...auth(), 'x-consistency': 'quorum' }, body: `v-${key}` });
      expect(r.status).toBe(200);
      expect(Number(r.headers.get('x-cache-acks')!.split('/')[0])).toBeGreaterThanOrEqual(2);
    }
    const leaving = nodes[2]!;
    leaving.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    const rest = nodes.slice(0, 2);
    await within('the leaver is off both rings', 5_000, async () =>
      (await Promise.all(rest.map(membersOf))).every((ms) => ms.find((m) => m.ID === leaving.id)?.State !== 'alive'),
    );
    for (const n of rest) {
      for (const key of KEYS) {
        const r = await fetch(`${client(n)}/v1/cache/${key}`, { headers: auth() });
        expect(r.status, `${key} on ${n.id}`).toBe(200);
        expect(await r.text()).toBe(`v-${key}`);
      }
    }
  });
});
