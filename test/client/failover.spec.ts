import { HypercacheClient } from '@hypercache/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type ClusterNode, FAST_ENV } from '../support/cluster.js';
import { TOKEN, auth, client, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/**
 * The client's fallback (docs/api.md §1.17, clients/typescript/README.md "Retries"): a workload of
 * quorum writes and quorum reads on a 3-node, RF 3 cluster keeps going with zero failed operations
 * while a node is SIGKILLed, and while a node drains.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const WORKERS = 6;
const MAX_OPS = 20_000;
const MAX_MS = 180_000;

/**
 * Each worker owns its keys (`w<n>:<i>`) and alternates a put and a read-back of the same key, so
 * every read has exactly one right answer. Bounded by MAX_OPS and MAX_MS; `stop()` ends it.
 */
class Workload {
  ops = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly c: HypercacheClient, label: string) {
    const deadline = Date.now() + MAX_MS;
    this.done = Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        for (let i = 0; !this.stopped && this.ops < MAX_OPS && Date.now() < deadline; i++) {
          const key = `${label}:w${w}:${i % 40}`;
          const value = `${label}-${w}-${i}`;
          try {
            await this.c.put(key, value, { consistency: 'quorum' });
            const got = await this.c.getString(key, { consistency: 'quorum' });
            if (got !== value) this.failures.push(`${key}: read ${JSON.stringify(got)}, wrote ${value}`);
          } catch (err) {
            this.failures.push(`${key} at op ${this.ops}: ${(err as Error).name} ${(err as Error).message}`);
          }
          this.ops += 2;
        }
      }),
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/**
 * A just-formed cluster on a busy machine can miss its first peer deadlines (2 s) while connections
 * open and code warms up; that is not what these tests measure, so both tests start warm.
 */
async function warmUp(c: HypercacheClient): Promise<void> {
  let streak = 0;
  await within('20 quorum round trips in a row', 30_000, async () => {
    try {
      await c.put(`warm:${streak}`, 'w', { consistency: 'quorum' });
      streak = (await c.getString(`warm:${streak}`, { consistency: 'quorum' })) === 'w' ? streak + 1 : 0;
    } catch {
      streak = 0;
    }
    return streak >= 20;
  });
}

/**
 * Runs the workload through `disrupt`: at least 100 operations before it and 200 after it, then
 * expects not one failed operation.
 */
async function expectNoFailures(c: HypercacheClient, label: string, disrupt: () => Promise<void>): Promise<void> {
  const load = new Workload(c, label);
  try {
    await within(`load running before the ${label}`, 60_000, () => load.ops >= 100);
    const before = load.ops;
    await disrupt();
    await within(`load running after the ${label}`, 60_000, () => load.ops >= before + 200);
  } finally {
    await load.stop();
  }
  expect(load.failures).toEqual([]);
  expect(load.ops).toBeGreaterThanOrEqual(300);
}

const stateIn = async (observer: ClusterNode, id: string) => {
  const r = await fetch(`${mgmt(observer)}/cluster/members`, { headers: auth() });
  return ((await r.json()) as { members: Array<{ ID: string; State: string }> }).members.find((m) => m.ID === id)?.State;
};

describe('the routing client through a node failure and a drain (3 nodes, RF 3)', () => {
  const cluster = new Cluster();
  let c: HypercacheClient;

  beforeAll(async () => {
    await cluster.boot(IDS, FAST_ENV);
    c = new HypercacheClient({ endpoints: cluster.up().map(client), token: TOKEN, refreshIntervalMs: 500 });
    await within('the client sees 3 members', 20_000, async () => (await c.refresh()).members.length === 3);
    await warmUp(c);
  }, 90_000);
  afterAll(async () => {
    await c?.close();
    await killSpawnedNodes();
  });

  it('zero failed operations while a node is SIGKILLed', async () => {
    await expectNoFailures(c, 'kill', async () => {
      await cluster.kill('node-3');
      await within('node-3 dead on the survivors', 30_000, async () => (await stateIn(cluster.node('node-1'), 'node-3')) === 'dead');
      await within('the client routes without node-3', 10_000, () => !c.currentTopology!.members.some((m) => m.id === 'node-3'));
    });
  }, 240_000);

  it('zero failed operations while a node drains', async () => {
    await cluster.start(['node-3']);
    await cluster.waitFormed(IDS, 30_000);
    await within('the client sees node-3 again', 10_000, () => c.currentTopology!.members.length === 3);
    await warmUp(c);
    await expectNoFailures(c, 'drain', async () => {
      const drained = await fetch(`${mgmt(cluster.node('node-2'))}/dist/drain`, { method: 'POST', headers: auth() });
      expect(drained.status).toBe(200);
      await within('the client routes without node-2', 10_000, () => !c.currentTopology!.members.some((m) => m.id === 'node-2'));
    });
  }, 240_000);
});
