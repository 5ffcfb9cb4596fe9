import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, FAST_ENV, Cluster, mapLimit } from '../../support/cluster.js';
import { get, ownersOf, auth, client } from '../../support/http.js';
import { within } from '../../support/poll.js';
import { ReadProbe } from '../../support/read-probe.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';
import { WriteLoad } from '../../support/write-load.js';

/**
 * Scaling under load (docs/cluster.md §8.4, docs/lifecycle.md §3 step 4): a 4th node joins a loaded 3-node RF-2 cluster,
 * then one node leaves gracefully (SIGTERM → drain, handoff). Every key stays readable at QUORUM
 * throughout, and after rebalancing every owner holds every key it owns (GET at ONE on the owner).
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const JOINER = 'node-4';
const LEAVER = 'node-2';
const KEYS = Array.from({ length: 3000 }, (_, i) => `scale-${i}`);
const HOT = Array.from({ length: 100 }, (_, i) => `scale-hot-${i}`);

async function preload(n: ClusterNode, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    const items = keys.slice(i, i + 500).map((key) => ({ key, value: `v-${key}` }));
    const r = await fetch(`${client(n)}/v1/cache/batch/put`, { method: 'POST', headers: { ...auth(), 'x-consistency': 'all' }, body: JSON.stringify({ items }) });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { results: { stored: boolean }[] };
    expect(body.results.every((x) => x.stored)).toBe(true);
  }
}

/** Keys (of `keys`) not held at ONE by each of their owners among `nodes` (owners from the first node's ring). */
async function missingCopies(nodes: ClusterNode[], keys: string[], expected: (k: string) => string): Promise<string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const owners = await mapLimit(keys, 16, (k) => ownersOf(nodes[0]!, k));
  const pairs = keys.flatMap((k, i) => owners[i]!.map((o) => [byId.get(o), k] as const));
  const missing: string[] = [];
  await mapLimit(pairs, 16, async ([n, k]) => {
    if (!n) return void missing.push(`${k}: owner not running`);
    const r = await get(n, k, 'one');
    if (r.status !== 200 || r.body !== expected(k)) missing.push(`${n.id}:${k}=${r.status}`);
  });
  return missing;
}

describe('join and graceful leave under load (RF 2)', () => {
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_REPLICATION: '2' });
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('a joining node is refilled and a leaving node hands off, with every key readable at quorum throughout', async () => {
    await preload(cluster.node('node-1'), KEYS);
    let entries = cluster.up();
    const probe = new ReadProbe(new Map(KEYS.map((k) => [k, `v-${k}`])), () => entries, 'quorum', 5);
    const load = new WriteLoad({ keys: HOT, workers: 2, writesPerWorker: 100_000, entries: () => entries, consistency: 'quorum', pauseMs: 20, deadlineMs: 150_000 });
    probe.start(150_000);
    const loading = load.run();
    try {
      // Join.
      await cluster.define([JOINER], { ...FAST_ENV, HYPERCACHE_REPLICATION: '2' }, () => IDS);
      const joinAt = Date.now();
      await cluster.start([JOINER]);
      await cluster.waitFormed([...IDS, JOINER], 30_000);
      entries = cluster.up();
      const joined = cluster.node(JOINER);
      const owned = (await mapLimit(KEYS, 16, async (k) => ((await ownersOf(joined, k)).includes(JOINER) ? k : undefined))).filter((k): k is string => k !== undefined);
      let missing: string[] = [];
      const refilled = await within(`${JOINER} holds the ${owned.length} keys it owns`, 60_000, async () => {
        missing = [];
        await mapLimit(owned, 16, async (k) => {
          const r = await get(joined, k, 'one');
          if (r.status !== 200 || r.body !== `v-${k}`) missing.push(k);
        });
        return missing.length === 0;
      }, 200).catch(() => -1);
      console.log(`[fault-report] join: ${JOINER} owns ${owned.length} of ${KEYS.length} keys; holds them all ${refilled < 0 ? `NOT within 60 s (${missing.length} missing)` : `${Date.now() - joinAt} ms after start`}; reads so far: ${probe.summary()}`);
      expect(missing.slice(0, 10), `keys ${JOINER} owns but does not hold`).toEqual([]);
      expect(owned.length).toBeGreaterThan(KEYS.length / 4);

      // Graceful leave.
      entries = cluster.up().filter((n) => n.id !== LEAVER);
      const leaveAt = Date.now();
      expect(await cluster.terminate(LEAVER)).toBe(0);
      const rest = cluster.up();
      await within(`${LEAVER} off every remaining view`, 10_000, async () => (await cluster.stateOf(LEAVER, rest)).every((s) => s !== 'alive' && s !== 'suspect'), 100);
      let gaps: string[] = [];
      const handedOff = await within('every remaining owner holds its keys', 60_000, async () => (gaps = await missingCopies(rest, KEYS, (k) => `v-${k}`)).length === 0, 200).catch(() => -1);
      console.log(`[fault-report] leave: ${LEAVER} exited 0 after SIGTERM; every remaining owner holds its keys ${handedOff < 0 ? `NOT within 60 s (${gaps.length} missing copies)` : `${Date.now() - leaveAt} ms after SIGTERM`}`);
      expect(gaps.slice(0, 10), 'owners missing their copies after the leave').toEqual([]);
    } finally {
      load.stop();
      await probe.stop();
      await loading;
    }
    console.log(`[fault-report] join/leave client view: quorum reads of preloaded keys: ${probe.summary()}; hot writes ${load.attempted}, acked ${load.acked}, errors: ${load.errorSummary()}`);
    expect(probe.failures.slice(0, 20), 'preloaded keys unreadable at quorum during join/leave').toEqual([]);
    const lost = (await mapLimit(load.ackedKeys(), 16, async (k) => (load.accepts(k, (await get(cluster.up()[0]!, k, 'quorum')).body) ? undefined : k))).filter(Boolean);
    expect(lost, 'acked hot keys lost').toEqual([]);
  }, 240_000);
});
