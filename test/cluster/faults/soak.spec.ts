import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../support/cluster.js';
import { get, ownersOf } from '../../support/http.js';
import { FAST_ENV, Cluster, mapLimit } from '../../support/cluster.js';
import { hold, within } from '../../support/poll.js';
import { declaredDead } from '../../support/node-log.js';
import { sampleSum, scrapeNode } from '../../support/prom-text.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';
import { WriteLoad } from '../../support/write-load.js';

/**
 * Soak (bench/README.md "Soak", docs/operations.md §3.10): repeated stalls under a QUORUM write load on 5 nodes, RF 3, short
 * HEARTBEAT and MERKLE_INTERVAL. Each round is either
 * - a partition: two nodes SIGSTOPped until the three others hold them `dead`, writes on the
 *   majority, SIGCONT, writes through both sides at once; or
 * - a single stall: one node SIGSTOPped for SOAK_STOP_MS while the others take the writes.
 * After each heal the round waits for convergence and counts: acknowledged writes lost (an owner
 * that does not hold the acknowledged value or a later attempted one; must be 0), running peers a
 * thawed node declared dead (its log; must be 0), and the convergence time after the heal.
 *
 * `npm test` runs one round of each (SOAK_STOP_MS 5 s: past `dead`, which FAST_ENV reaches after
 * 6 × 500 ms). `node bench/soak.mjs --rounds N --stop-ms 10000` runs the long mode.
 */
const ROUNDS = Math.max(1, Number(process.env.SOAK_ROUNDS ?? 1));
const STOP_MS = Math.max(1000, Number(process.env.SOAK_STOP_MS ?? 5000));
const IDS = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const KEYS_PER_ROUND = 60;
/** Writes through every node after the heal, before the load stops. */
const AFTER_HEAL_MS = 3000;
const CONVERGE_WITHIN_MS = 60_000;
const ROUND_BUDGET_MS = 150_000;

interface RoundReport {
  kind: string;
  frozen: string[];
  acked: number;
  attempted: number;
  lost: string[];
  wronglyDead: string[];
  /** Dead transitions the thawed nodes counted in `hypercache_member_transitions_total`, the other thawed node included. */
  deadTransitions: number;
  membersMs: number;
  convergedMs: number;
  errors: string;
}

const deadCount = async (n: ClusterNode) => sampleSum(await scrapeNode(n), 'hypercache_member_transitions_total', { to: 'dead' }) ?? 0;

describe(`soak: ${ROUNDS} partition round(s) and ${ROUNDS} single-node stall(s) of ${STOP_MS} ms under QUORUM writes (5 nodes, RF 3)`, () => {
  const cluster = new Cluster();
  const node = (id: string) => cluster.node(id);
  const frozenNow = new Set<string>();
  const reports: RoundReport[] = [];

  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_REPLICATION: '3' });
  }, 120_000);
  afterAll(async () => {
    for (const id of frozenNow) node(id).kill('SIGCONT');
    await killSpawnedNodes();
  });

  /** Stalls `frozen` (until `thawWhen` resolves) under load, heals, and measures the round. */
  async function round(kind: string, tag: string, frozen: string[], thawWhen: () => Promise<void>): Promise<RoundReport> {
    const running = () => IDS.filter((id) => !frozenNow.has(id)).map(node);
    const load = new WriteLoad({
      keys: Array.from({ length: KEYS_PER_ROUND }, (_, i) => `${tag}-${i}`),
      workers: 8,
      writesPerWorker: 5000,
      entries: running,
      consistency: 'quorum',
      deadlineMs: ROUND_BUDGET_MS,
    });
    const deadBefore = await Promise.all(frozen.map((id) => deadCount(node(id))));
    const loading = load.run();
    await hold(1000, 'the load runs on the whole cluster before the freeze');
    for (const id of frozen) frozenNow.add(id);
    for (const id of frozen) node(id).kill('SIGSTOP');
    let offsets: number[] = [];
    try {
      await thawWhen();
    } finally {
      offsets = frozen.map((id) => node(id).stdout().length);
      for (const id of frozen) node(id).kill('SIGCONT');
      for (const id of frozen) frozenNow.delete(id);
    }
    const healedAt = Date.now();
    await hold(AFTER_HEAL_MS, 'load keeps running after the heal');
    load.stop();
    await loading;
    const membersMs = await cluster.waitFormed(IDS, 30_000).then(() => Date.now() - healedAt);

    const keys = load.ackedKeys();
    const owners = new Map(await mapLimit(keys, 8, async (k) => [k, await ownersOf(node(IDS[0]!), k)] as const));
    const stale = async () => {
      const out: string[] = [];
      await mapLimit(keys.flatMap((k) => owners.get(k)!.map((o) => [k, o] as const)), 16, async ([k, o]) => {
        const r = await get(node(o), k, 'one');
        if (r.status !== 200 || !load.accepts(k, r.body)) out.push(`${o}:${k}=${r.status} ${r.body ?? r.code ?? ''}`);
      });
      return out;
    };
    let lost: string[] = [];
    const convergedMs = await within(`${tag}: every owner holds an acknowledged (or later) value`, CONVERGE_WITHIN_MS, async () => (lost = await stale()).length === 0, 200)
      .then(() => Date.now() - healedAt, () => -1);
    const wronglyDead = frozen.flatMap((id, i) => declaredDead(node(id), offsets[i]!).filter((p) => !frozen.includes(p)).map((p) => `${id}→${p}`));
    const deadAfter = await Promise.all(frozen.map((id) => deadCount(node(id))));
    const report: RoundReport = {
      kind, frozen, acked: load.acked, attempted: load.attempted, lost, wronglyDead,
      deadTransitions: deadAfter.reduce((s, v, i) => s + v - deadBefore[i]!, 0),
      membersMs, convergedMs, errors: load.errorSummary(),
    };
    reports.push(report);
    console.log(
      `[fault-report] soak ${kind} (${frozen.join('+')} stopped): acknowledged ${report.acked} of ${report.attempted} writes; lost ${lost.length}; ` +
        `running peers declared dead by a thawed node ${wronglyDead.length}${wronglyDead.length ? ` (${wronglyDead.join(', ')})` : ''}; ` +
        `dead transitions on the thawed nodes ${report.deadTransitions}; all alive ${membersMs} ms and converged ${convergedMs < 0 ? `NOT within ${CONVERGE_WITHIN_MS}` : convergedMs} ms after the heal; failures: ${report.errors}`,
    );
    return report;
  }

  it(`partition/heal: two nodes stopped until dead, ${ROUNDS} round(s)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const frozen = [IDS[(2 * r) % 5]!, IDS[(2 * r + 1) % 5]!];
      const majority = IDS.filter((id) => !frozen.includes(id));
      const rep = await round('partition', `part-r${r}`, frozen, async () => {
        await within(`${frozen.join(', ')} dead on the majority`, 30_000, async () =>
          (await Promise.all(frozen.map((id) => cluster.stateOf(id, majority.map(node))))).flat().every((s) => s === 'dead'), 50);
        await hold(1000, 'writes on the majority alone');
      });
      expect(rep.lost.slice(0, 10), `round ${r}: acknowledged writes lost`).toEqual([]);
      expect(rep.wronglyDead, `round ${r}: running peers declared dead by a thawed node`).toEqual([]);
      expect(rep.convergedMs).toBeGreaterThanOrEqual(0);
      expect(rep.acked).toBeGreaterThan(0);
    }
  }, 60_000 + ROUNDS * ROUND_BUDGET_MS);

  it(`single-node stall of ${STOP_MS} ms under write load, ${ROUNDS} round(s)`, async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const frozen = [IDS[(r + 2) % 5]!];
      const rep = await round('stall', `stall-r${r}`, frozen, () => hold(STOP_MS, 'the stall'));
      expect(rep.lost.slice(0, 10), `round ${r}: acknowledged writes lost`).toEqual([]);
      expect(rep.wronglyDead, `round ${r}: running peers declared dead by the thawed node`).toEqual([]);
      expect(rep.convergedMs).toBeGreaterThanOrEqual(0);
      expect(rep.acked).toBeGreaterThan(0);
    }
    const total = (f: (r: RoundReport) => number) => reports.reduce((s, r) => s + f(r), 0);
    console.log(
      `[fault-report] soak total: ${reports.length} rounds, acknowledged ${total((r) => r.acked)}, lost ${total((r) => r.lost.length)}, ` +
        `running peers wrongly declared dead ${total((r) => r.wronglyDead.length)}, convergence after each heal (ms): ${reports.map((r) => r.convergedMs).join(', ')}`,
    );
  }, 60_000 + ROUNDS * ROUND_BUDGET_MS);
});
