import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, FAST_ENV, Cluster } from '../../support/cluster.js';
import { put, getJson, client } from '../../support/http.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';
import type { ListKeysResponse } from '../../../src/cache/key-browser.controller.js';

/**
 * I19 across nodes (docs/api.md §1.12): 5 nodes, RF 1 so the keys are spread; the browser fans out to
 * every alive member. HEARTBEAT 10 s keeps a SIGKILLed member alive in the views, so its listing fails
 * and it is reported in `partial_nodes`.
 */
const IDS = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const FIRST = Array.from({ length: 25 }, (_, i) => `first-${String(i + 1).padStart(2, '0')}`);

type Page = ListKeysResponse;

const browse = async (n: ClusterNode, query: string) => {
  const r = await getJson<Page>(client(n), `/v1/cache/keys?${query}`);
  expect(r.status, `keys?${query} on ${n.id}`).toBe(200);
  return r.body;
};

describe('I19 across 5 nodes (RF 1)', () => {
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_HEARTBEAT: '10s', HYPERCACHE_REPLICATION: '1' });
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('walking q=first-&limit=10 from any node gives three pages, 25 distinct keys; max=10 truncates', async () => {
    const nodes = IDS.map((id) => cluster.node(id));
    for (const [i, k] of [...FIRST, 'second-1'].entries()) expect((await put(nodes[i % 5]!, k, `v-${k}`)).status).toBe(200);
    for (const n of nodes) {
      const seen: string[] = [];
      let cursor = '0';
      let pages = 0;
      for (; pages < 10 && cursor !== ''; pages++) {
        const p = await browse(n, `q=first-&limit=10&cursor=${cursor}`);
        expect(p.total_matched).toBe(25);
        expect(p.truncated).toBe(false);
        expect(p.partial_nodes).toBeUndefined();
        seen.push(...p.keys);
        cursor = p.next_cursor;
      }
      expect(pages, `pages from ${n.id}`).toBe(3);
      expect(seen, `keys from ${n.id}`).toEqual(FIRST);
      const capped = await browse(n, 'q=first-&max=10');
      expect(capped.truncated).toBe(true);
      expect(capped.keys).toEqual(FIRST.slice(0, 10));
      expect(capped.total_matched).toBe(10);
    }
  });

  it('a SIGKILLed member that is still alive in the views is listed in partial_nodes', async () => {
    await cluster.kill('node-5');
    for (const n of cluster.up()) {
      expect(await cluster.stateOf('node-5', [n])).toEqual(['alive']);
      const p = await browse(n, 'q=first-&limit=100');
      expect(p.partial_nodes, `partial_nodes on ${n.id}`).toEqual(['node-5']);
      expect(p.keys.length).toBeLessThan(25);
    }
  });
});
