import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, FAST_ENV, Cluster } from '../../support/cluster.js';
import { del, get, ownersOf, put } from '../../support/http.js';
import { within, hold } from '../../support/poll.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * I5 (docs/cluster.md §9.1, G5): a delete acknowledged while an owner is away is not undone when that owner
 * comes back, whether it kept its old copy (SIGSTOP: it is declared dead, then resumes with the old
 * item) or lost everything (SIGKILL + restart). After the owner is back and 2 × MERKLE_INTERVAL have
 * passed, k is 404 on every node at one, quorum and all, and stays so while checked for a further
 * ≥ 2 × MERKLE_INTERVAL.
 */
const IDS = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const MERKLE_MS = 1000;
const LEVELS = ['one', 'quorum', 'all'] as const;

async function answers(nodes: ClusterNode[], key: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) {
    for (const level of LEVELS) {
      const r = await get(n, key, level);
      if (r.status !== 404) out.push(`${n.id}@${level}: ${r.status} ${r.body ?? r.code ?? ''}`);
    }
  }
  return out;
}

describe('I5: no resurrection (5 nodes, RF 3)', () => {
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_REPLICATION: '3' });
  }, 120_000);
  afterAll(killSpawnedNodes);

  /** Writes k on all owners, then returns an owner to take away and a non-owner entry node. */
  async function setup(key: string): Promise<{ owner: string; entry: ClusterNode; owners: string[] }> {
    const any = cluster.node('node-1');
    const owners = await ownersOf(any, key);
    const w = await put(any, key, `old-${key}`, 'all');
    expect(w.status).toBe(200);
    expect(w.acks).toBe('3/3');
    const entry = cluster.up().find((n) => !owners.includes(n.id))!;
    return { owner: owners[0]!, entry, owners };
  }

  /** After the owner is back: 404 everywhere within 2 × MERKLE_INTERVAL, then still 404 for ≥ 2 × MERKLE_INTERVAL. */
  async function expectGone(key: string, backAt: number, label: string): Promise<void> {
    const nodes = cluster.up();
    let last: string[] = [];
    const settled = await within(`${key} 404 on every node at every level`, 2 * MERKLE_MS + 3000, async () => (last = await answers(nodes, key)).length === 0, 100).catch(() => -1);
    console.log(`[fault-report] no-resurrection (${label}): 404 everywhere ${settled < 0 ? 'NOT reached' : `${Date.now() - backAt} ms after the owner was back`}; visible: ${last.join('; ') || 'none'}`);
    expect(last, `${key} visible somewhere after the owner came back`).toEqual([]);
    const until = Date.now() + 2 * MERKLE_MS + 500;
    let rounds = 0;
    while (Date.now() < until && rounds < 50) {
      rounds++;
      expect(await answers(nodes, key), `${key} resurrected (round ${rounds})`).toEqual([]);
      await hold(200, 'the gap between checks that the key stays gone');
    }
    expect(rounds).toBeGreaterThanOrEqual(2);
  }

  it('(a) SIGSTOP an owner until it is declared dead, DELETE at quorum, SIGCONT → 404 everywhere', async () => {
    const key = 'i5-stopped';
    const { owner, entry } = await setup(key);
    const stopped = cluster.node(owner);
    stopped.kill('SIGSTOP');
    try {
      const d = await del(entry, key, 'quorum');
      expect(d.status, JSON.stringify(d)).toBe(200);
      const others = () => cluster.up().filter((n) => n.id !== owner);
      await within(`${owner} dead on every other node`, 15_000, async () => (await cluster.stateOf(owner, others())).every((s) => s === 'dead'), 100);
    } finally {
      stopped.kill('SIGCONT');
    }
    await cluster.waitFormed(IDS, 30_000);
    await expectGone(key, Date.now(), 'SIGSTOP/SIGCONT');
  }, 90_000);

  it('(b) SIGKILL an owner, DELETE at quorum, restart it → 404 everywhere', async () => {
    const key = 'i5-killed';
    const { owner, entry } = await setup(key);
    await cluster.kill(owner);
    const d = await del(entry, key, 'quorum');
    expect(d.status, JSON.stringify(d)).toBe(200);
    await cluster.start([owner]);
    await cluster.waitFormed(IDS, 30_000);
    await expectGone(key, Date.now(), 'SIGKILL/restart');
  }, 90_000);
});
