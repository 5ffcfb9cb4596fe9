import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, membersOf, FAST_ENV, Cluster } from '../../support/cluster.js';
import { distMetrics } from '../../support/http.js';
import { within, hold } from '../../support/poll.js';
import { sampleSum, scrapeNode } from '../../support/prom-text.js';
import { declaredDead, logSince } from '../../support/node-log.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * A frozen process (SIGSTOP until the others declare it dead, then SIGCONT): local health and
 * refutation on return (docs/cluster.md §2, docs/operations.md §3.10). The thawed node must not blame
 * its peers for its own pause (no `dead` transition for a running peer, never alone on its ring),
 * must count the stall, and must come back `alive` everywhere through its own refutation.
 */
const ENV = { ...FAST_ENV, HYPERCACHE_HEARTBEAT: '300ms', HYPERCACHE_GOSSIP_INTERVAL: '200ms', HYPERCACHE_REPLICATION: '3' };
/** Five processes on a busy 2-core box: the lean FAST_ENV heartbeat keeps the boot from flapping. */
const ENV_5 = { ...FAST_ENV, HYPERCACHE_REPLICATION: '3' };

const deadTransitions = async (n: ClusterNode) => sampleSum(await scrapeNode(n), 'hypercache_member_transitions_total', { to: 'dead' }) ?? 0;

async function incarnationOf(n: ClusterNode, id: string): Promise<number> {
  return (await membersOf(n)).find((m) => m.ID === id)!.Incarnation;
}

/**
 * SIGSTOPs `frozen` until every other node holds each of them dead (plus two heartbeats), then
 * SIGCONTs them. Returns each frozen node's stdout length at the thaw, to read what it logged after.
 */
async function freezePastDead(cluster: Cluster, frozen: string[]): Promise<Map<string, number>> {
  const running = () => cluster.up().filter((n) => !frozen.includes(n.id));
  for (const id of frozen) cluster.node(id).kill('SIGSTOP');
  const offsets = new Map<string, number>();
  try {
    await within(`${frozen.join(', ')} dead on every running node`, 20_000, async () => {
      const states = await Promise.all(frozen.map((id) => cluster.stateOf(id, running())));
      return states.flat().every((s) => s === 'dead');
    }, 50);
    await hold(600, 'two heartbeats frozen past dead');
  } finally {
    for (const id of frozen) {
      offsets.set(id, cluster.node(id).stdout().length);
      cluster.node(id).kill('SIGCONT');
    }
  }
  for (const n of running()) offsets.set(n.id, n.stdout().length);
  return offsets;
}

describe('a node frozen past dead (3 nodes, HEARTBEAT 300 ms)', () => {
  const IDS = ['node-1', 'node-2', 'node-3'];
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, ENV);
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('comes back alive everywhere through its own refutation, counts the stall, and never declares a running peer dead', async () => {
    const thawed = cluster.node('node-3');
    const incBefore = await incarnationOf(thawed, 'node-3');
    const deadBefore = await deadTransitions(thawed);
    const before = await distMetrics(thawed);
    const offsets = await freezePastDead(cluster, ['node-3']);
    const thawedAt = Date.now();

    // Back in every view means at a higher incarnation than the `dead` claim: only a refutation (or a join) does that.
    await cluster.waitFormed(IDS, 20_000);
    const back = Date.now() - thawedAt;

    // Local health: the thawed node never blamed node-1/node-2, so it was never alone on its ring,
    // and no false `dead` spread from it to the running nodes.
    expect(declaredDead(thawed, offsets.get('node-3')!), 'peers node-3 declared dead after SIGCONT').toEqual([]);
    expect(await deadTransitions(thawed)).toBe(deadBefore);
    expect((await distMetrics(thawed)).NodesDead).toBe(before.NodesDead);
    // (Their own LocalStalls are not asserted: on a starved CI box their ticks can be late too.)
    for (const id of ['node-1', 'node-2']) {
      expect(declaredDead(cluster.node(id), offsets.get(id)!).filter((p) => p !== 'node-3'), `running peers ${id} declared dead`).toEqual([]);
    }
    const m = await distMetrics(thawed);
    expect(m.LocalStalls).toBeGreaterThan(before.LocalStalls!);
    expect(m.Refutations).toBeGreaterThan(before.Refutations!);
    const incs = await Promise.all(cluster.up().map((n) => incarnationOf(n, 'node-3')));
    expect(new Set(incs).size, `node-3's incarnation in every view: ${incs.join(', ')}`).toBe(1);
    expect(incs[0]).toBeGreaterThan(incBefore);
    const after = logSince(thawed, offsets.get('node-3')!);
    const shown = JSON.stringify(after);
    expect(after.some((l) => l.msg === 'self refuted suspicion'), shown).toBe(true);
    expect(after.some((l) => l.msg === 'local stall detected; peer failure detection restarted'), shown).toBe(true);

    console.log(`[fault-report] frozen node (1 of 3): alive everywhere ${back} ms after SIGCONT at incarnation ${incs[0]} (was ${incBefore}); Refutations ${m.Refutations}, LocalStalls ${m.LocalStalls}`);
  }, 60_000);
});

describe('two nodes frozen past dead (5 nodes, HEARTBEAT 500 ms)', () => {
  const IDS = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
  const FROZEN = ['node-4', 'node-5'];
  const RUNNING = ['node-1', 'node-2', 'node-3'];
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, ENV_5);
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('neither thawed node declares a running node dead; both refute and the views converge', async () => {
    const before = new Map(await Promise.all(FROZEN.map(async (id) => [id, await distMetrics(cluster.node(id))] as const)));
    const offsets = await freezePastDead(cluster, FROZEN);
    const thawedAt = Date.now();
    await cluster.waitFormed(IDS, 30_000);
    const back = Date.now() - thawedAt;
    for (const id of FROZEN) {
      const n = cluster.node(id);
      // The other thawed node may be learnt dead from the running nodes' (honest) gossip before its
      // refutation arrives; a running node never.
      expect(declaredDead(n, offsets.get(id)!).filter((p) => RUNNING.includes(p)), `running nodes ${id} declared dead`).toEqual([]);
      const m = await distMetrics(n);
      expect(m.LocalStalls, `${id} LocalStalls`).toBeGreaterThan(before.get(id)!.LocalStalls!);
      expect(m.Refutations, `${id} Refutations`).toBeGreaterThan(before.get(id)!.Refutations!);
    }
    console.log(`[fault-report] frozen nodes (2 of 5): alive everywhere ${back} ms after SIGCONT; ${await cluster.views()}`);
  }, 90_000);
});
