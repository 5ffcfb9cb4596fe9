import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distMetrics, get, ownersOf, put } from '../../support/http.js';
import { FAST_ENV, Cluster, mapLimit } from '../../support/cluster.js';
import { within } from '../../support/poll.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * The quorum floor (docs/cluster.md §3.1) and hint replay to a returning
 * target (docs/cluster.md §8.2), on 3 processes with RF 3. node-3 is SIGSTOPped: writes at ONE made while it is
 * still on the ring queue hints for it; once it is `dead` a QUORUM write shows `2/3` and ALL answers
 * 503 `2/3`; with node-2 stopped too, node-1's view collapses and QUORUM answers 503 `1/3`. After
 * SIGCONT, every hint is delivered within a few HINT_REPLAY ticks of the target turning `alive`.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const HINT_REPLAY_MS = 200;
/** "A few ticks" on a loaded 2-core box: the bound allows one 2 s replicate timeout on top. */
const DELIVERY_BOUND_MS = 5 * HINT_REPLAY_MS + 2000 + 2000;
/** Keys node-1 coordinates itself (first owner on its ring), so their replicate to node-3 fails on node-1. */
let KEYS: string[] = [];

describe('quorum floor and hint replay to a returning node (3 nodes, RF 3)', () => {
  const cluster = new Cluster();
  const stopped = new Set<string>();
  const node = (id: string) => cluster.node(id);
  const stop = (id: string) => {
    node(id).kill('SIGSTOP');
    stopped.add(id);
  };
  const cont = (id: string) => {
    node(id).kill('SIGCONT');
    stopped.delete(id);
  };
  const deadOn = async (id: string, on: string[]) => (await cluster.stateOf(id, on.map(node))).every((s) => s === 'dead');

  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_REPLICATION: '3' });
    const candidates = Array.from({ length: 80 }, (_, i) => `hinted-${i}`);
    const firsts = await mapLimit(candidates, 8, async (k) => (await ownersOf(node('node-1'), k))[0]);
    KEYS = candidates.filter((_, i) => firsts[i] === 'node-1').slice(0, 15);
  }, 120_000);
  afterAll(async () => {
    for (const id of stopped) node(id).kill('SIGCONT');
    await killSpawnedNodes();
  });

  it('floors n at min(RF, known members), and delivers hints queued for a dead node within a few ticks of its return', async () => {
    const n1 = node('node-1');
    expect(KEYS.length).toBe(15);
    stop('node-3');
    // node-3 is still alive/suspect on node-1's ring: its replicate times out and becomes a hint.
    const writes = await mapLimit(KEYS, 10, (k) => put(n1, k, `v-${k}`, 'one'));
    expect(writes.map((w) => w.status)).toEqual(KEYS.map(() => 200));
    await within('node-3 dead on node-1 and node-2', 20_000, () => deadOn('node-3', ['node-1', 'node-2']), 50);
    await within('hints queued for node-3 on node-1', 10_000, async () => (await distMetrics(n1)).HintedPending! >= KEYS.length, 50);

    // One of three dead and retained: QUORUM succeeds with 2/3, ALL cannot.
    const q = await put(n1, 'floor-q', 'x', 'quorum');
    expect([q.status, q.acks]).toEqual([200, '2/3']);
    const all = await put(n1, 'floor-all', 'x', 'all');
    expect([all.status, all.code, all.acks]).toEqual([503, 'QUORUM_NOT_MET', '2/3']);

    // node-2 stops too: node-1 alone on its ring answers QUORUM_NOT_MET 1/3 rather than acknowledging alone.
    stop('node-2');
    await within('node-2 dead on node-1', 20_000, () => deadOn('node-2', ['node-1']), 50);
    const alone = await put(n1, 'floor-alone', 'x', 'quorum');
    expect([alone.status, alone.code, alone.acks]).toEqual([503, 'QUORUM_NOT_MET', '1/3']);
    expect((await get(n1, 'floor-q', 'quorum')).code).toBe('QUORUM_NOT_MET');
    expect((await get(n1, 'floor-q', 'one')).status).toBe(200);

    const before = await distMetrics(n1);
    cont('node-2');
    cont('node-3');
    const thawedAt = Date.now();
    const aliveAfter = await within('node-3 alive on node-1', 20_000, async () => (await cluster.stateOf('node-3', [n1]))[0] === 'alive', 20);
    const aliveAt = Date.now();
    await within(`node-1's hints delivered within ${DELIVERY_BOUND_MS} ms of node-3's return`, DELIVERY_BOUND_MS, async () => (await distMetrics(n1)).HintedPending === 0, 20);
    const deliveredMs = Date.now() - aliveAt;
    const after = await distMetrics(n1);
    expect(after.HintedReplayed! - before.HintedReplayed!).toBeGreaterThanOrEqual(KEYS.length);
    expect(after.HintedDropped).toBe(before.HintedDropped);
    expect(after.HintedExpired).toBe(before.HintedExpired);

    // The returned node answers from its own copy at ONE (it owns every key with RF 3).
    const reads = await mapLimit(KEYS, 10, (k) => get(node('node-3'), k, 'one'));
    expect(reads.map((r) => r.body)).toEqual(KEYS.map((k) => `v-${k}`));
    console.log(
      `[fault-report] hint replay: node-3 alive on node-1 ${aliveAfter} ms after SIGCONT; ${after.HintedReplayed! - before.HintedReplayed!} hints delivered ` +
        `${deliveredMs} ms later (HINT_REPLAY ${HINT_REPLAY_MS} ms); floor: QUORUM ${q.acks}, ALL ${all.acks} 503, alone ${alone.acks} 503; total ${Date.now() - thawedAt} ms`,
    );
  }, 120_000);
});
