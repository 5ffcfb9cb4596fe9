import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, FAST_ENV, Cluster } from '../../support/cluster.js';
import { distMetrics, get, ownersOf, put } from '../../support/http.js';
import { within } from '../../support/poll.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * I6 and I7 (docs/cluster.md §9.1) with real restarts: HEARTBEAT 10 s keeps the stopped nodes on the ring
 * (suspect after 30 s, dead after 60 s), so the owner set does not change while they are down; the
 * restarted nodes (same ID and ports, empty) must hold the key once they have rejoined.
 */
const SLOW_DETECTION = { ...FAST_ENV, HYPERCACHE_HEARTBEAT: '10s', HYPERCACHE_REPLICATION: '3' };

describe('I6: quorum failure and recovery (3 nodes, RF 3)', () => {
  const IDS = ['node-1', 'node-2', 'node-3'];
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, SLOW_DETECTION);
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('two nodes SIGKILLed → 503 QUORUM_NOT_MET 1/3, value kept on the third; the restarted two hold k after rejoining', async () => {
    await cluster.kill('node-2');
    await cluster.kill('node-3');
    const a = cluster.node('node-1');
    const w = await put(a, 'i6-key', 'lonely', 'quorum');
    expect(w.status).toBe(503);
    expect(w.code).toBe('QUORUM_NOT_MET');
    expect(w.acks).toBe('1/3');
    const r = await get(a, 'i6-key', 'one');
    expect(r.status).toBe(200);
    expect(r.body).toBe('lonely');

    const restartedAt = Date.now();
    await cluster.start(['node-2', 'node-3']);
    await cluster.waitFormed(IDS, 30_000);
    const held = await within('node-2 and node-3 hold i6-key (GET at ONE on each)', 20_000, async () => {
      const rs = await Promise.all(['node-2', 'node-3'].map((id) => get(cluster.node(id), 'i6-key', 'one')));
      return rs.every((x) => x.status === 200 && x.body === 'lonely');
    }, 100);
    console.log(`[fault-report] I6: restarted nodes hold the un-acked write ${Date.now() - restartedAt} ms after restart (${held} ms after rejoining)`);
  }, 120_000);
});

describe('I7: promotion while the primary is down but not yet dead (4 nodes, RF 3)', () => {
  const IDS = ['node-1', 'node-2', 'node-3', 'node-4'];
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, SLOW_DETECTION);
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('PUT via a non-owner → 200, owners unchanged, WriteForwardPromotion +1; the restarted primary holds k', async () => {
    const a = cluster.node('node-1');
    let key = '';
    let owners: string[] = [];
    for (let i = 0; i < 500 && !key; i++) {
      const o = await ownersOf(a, `i7-${i}`);
      if (o[0] === 'node-4') [key, owners] = [`i7-${i}`, o];
    }
    expect(key, 'a key whose primary is node-4').not.toBe('');
    const entry: ClusterNode = cluster.node(IDS.find((id) => !owners.includes(id))!);
    const sumPromotions = async () => (await Promise.all(cluster.up().map(distMetrics))).reduce((s, m) => s + m.WriteForwardPromotion!, 0);
    const entryBefore = (await distMetrics(entry)).WriteForwardPromotion!;
    const before = await sumPromotions();

    await cluster.kill('node-4');
    const w = await put(entry, key, 'promoted', 'quorum');
    expect(w.status, JSON.stringify(w)).toBe(200);
    expect(await cluster.stateOf('node-4'), 'node-4 not yet declared dead').not.toContain('dead');
    expect(await ownersOf(entry, key)).toEqual(owners);
    const entryAfter = (await distMetrics(entry)).WriteForwardPromotion!;
    const after = await sumPromotions();
    console.log(`[fault-report] I7: WriteForwardPromotion on the entry node ${entry.id} ${entryBefore} → ${entryAfter}; cluster-wide ${before} → ${after}; acks ${w.acks}`);
    expect(after).toBeGreaterThan(before);
    expect(entryAfter, 'the entry node moved to the next candidate').toBeGreaterThan(entryBefore);

    const restartedAt = Date.now();
    await cluster.start(['node-4']);
    await cluster.waitFormed(IDS, 30_000);
    await within('the restarted primary holds k (GET at ONE on it)', 20_000, async () => {
      const r = await get(cluster.node('node-4'), key, 'one');
      return r.status === 200 && r.body === 'promoted';
    }, 100);
    console.log(`[fault-report] I7: restarted primary holds k ${Date.now() - restartedAt} ms after restart`);
  }, 120_000);
});
