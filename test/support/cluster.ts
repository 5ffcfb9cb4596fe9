import type { PartitionProxy } from './partition-proxy.js';
import { TOKEN, getJson, mgmt } from './http.js';
import { within } from './poll.js';
import { freePort, nodeEnv, type SpawnedNode, spawnNode } from './spawn-node.js';

/**
 * The one cluster launcher: real `dist/main.js` processes on fixed loopback ports (docs/cluster.md §9),
 * so a node can be SIGKILLed/SIGTERMed/SIGSTOPped and restarted with the same ID, ports and
 * environment. `Cluster.launch` is the short form for tests that only need the nodes running.
 */

export interface Member {
  ID: string;
  Address: string;
  State: 'alive' | 'suspect' | 'dead' | 'draining';
  Incarnation: number;
}

export interface ClusterNode extends SpawnedNode {
  id: string;
  distAddr: string;
}

export const membersOf = async (n: ClusterNode) => (await getJson<{ members: Member[] }>(mgmt(n), '/cluster/members')).body.members;

/** Lean timings for fault tests (docs/configuration.md §4 cross-checks hold: TOMBSTONE_TTL > HINT_TTL, ≥ 2 × MERKLE_INTERVAL). */
export const FAST_ENV: Record<string, string> = {
  HYPERCACHE_HEARTBEAT: '500ms',
  HYPERCACHE_GOSSIP_INTERVAL: '250ms',
  HYPERCACHE_HINT_REPLAY: '200ms',
  HYPERCACHE_REBALANCE_INTERVAL: '250ms',
  HYPERCACHE_MERKLE_INTERVAL: '1s',
  HYPERCACHE_HINT_TTL: '30s',
  HYPERCACHE_TOMBSTONE_TTL: '10m',
};

/** Generous: the CI box may be busy, and five processes boot at once. */
const START_TIMEOUT_MS = 60_000;

export type EnvOf = Record<string, string> | ((id: string) => Record<string, string>);

export class Cluster {
  /** Full environment per node ID (fixed ports), reused on restart. */
  readonly envs = new Map<string, NodeJS.ProcessEnv>();
  /** Advertised dist address (`127.0.0.1:port`) per node ID. */
  readonly advertised = new Map<string, string>();
  private readonly running = new Map<string, ClusterNode>();
  private readonly last = new Map<string, ClusterNode>();

  /**
   * With a `proxy`, every node advertises (and is seeded as) its proxy port instead of its own dist
   * port, so the test can cut the network.
   */
  constructor(private readonly proxy?: PartitionProxy, private readonly startTimeoutMs = START_TIMEOUT_MS) {}

  /**
   * The short form: `define` + `start` on a throwaway cluster, resolving once every node has logged
   * `hypercache-server started` (membership not awaited; poll `formed`). 20 s per node to start.
   */
  static async launch(ids: string[], env: EnvOf): Promise<ClusterNode[]> {
    const cluster = new Cluster(undefined, 20_000);
    await cluster.define(ids, env);
    return cluster.start(ids);
  }

  /**
   * Prepares `ids` on fixed free ports without starting them. Each is seeded with every other id
   * (or `seedIds(id)`), unless its environment already sets `HYPERCACHE_SEEDS`.
   */
  async define(ids: string[], env: EnvOf, seedIds?: (id: string) => string[]): Promise<void> {
    const envOf = typeof env === 'function' ? env : () => env;
    for (const id of ids) {
      const [api, mg, dist] = [await freePort(), await freePort(), await freePort()];
      const adv = this.proxy ? await this.proxy.listen(id, dist, await freePort()) : dist;
      this.advertised.set(id, `127.0.0.1:${adv}`);
      this.envs.set(
        id,
        await nodeEnv({
          HYPERCACHE_NODE_ID: id,
          HYPERCACHE_AUTH_TOKEN: TOKEN,
          HYPERCACHE_LOG_LEVEL: 'info',
          HYPERCACHE_API_ADDR: `127.0.0.1:${api}`,
          HYPERCACHE_MGMT_ADDR: `127.0.0.1:${mg}`,
          HYPERCACHE_DIST_ADDR: `127.0.0.1:${dist}`,
          ...(this.proxy ? { HYPERCACHE_DIST_ADVERTISE_ADDR: `127.0.0.1:${adv}` } : {}),
          ...envOf(id),
        }),
      );
    }
    const known = [...this.envs.keys()];
    for (const id of ids) {
      if (this.envs.get(id)!.HYPERCACHE_SEEDS !== undefined) continue;
      const seeds = (seedIds ? seedIds(id) : known.filter((o) => ids.includes(o))).filter((o) => o !== id);
      this.envs.get(id)!.HYPERCACHE_SEEDS = seeds.map((o) => `${o}@${this.advertised.get(o)}`).join(',');
    }
  }

  /** Starts (or restarts, same environment) the given nodes in parallel. */
  async start(ids: string[] = [...this.envs.keys()]): Promise<ClusterNode[]> {
    return Promise.all(ids.map(async (id) => {
      if (this.running.has(id)) throw new Error(`${id} is already running`);
      const env = this.envs.get(id);
      if (!env) throw new Error(`unknown node ${id}`);
      const n = Object.assign(await spawnNode(env, this.startTimeoutMs), { id, distAddr: this.advertised.get(id)! });
      this.running.set(id, n);
      this.last.set(id, n);
      void n.exited.then(() => {
        if (this.running.get(id) === n) this.running.delete(id);
      });
      return n;
    }));
  }

  /** The running process of `id` (or its last process, for SIGSTOPped/killed nodes whose ports we still want). */
  node(id: string): ClusterNode {
    const n = this.running.get(id) ?? this.last.get(id);
    if (!n) throw new Error(`node ${id} never started`);
    return n;
  }

  /** Nodes whose process is running (a SIGSTOPped process counts as running). */
  up(): ClusterNode[] {
    return [...this.running.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  ids(): string[] {
    return [...this.envs.keys()];
  }

  /** SIGKILL and wait for the exit. */
  async kill(id: string): Promise<void> {
    const n = this.running.get(id);
    if (!n) return;
    this.running.delete(id);
    n.kill('SIGKILL');
    await n.exited;
  }

  /** SIGTERM (graceful leave with handoff) and wait for the exit code. */
  async terminate(id: string): Promise<number | null> {
    const n = this.running.get(id);
    if (!n) throw new Error(`${id} is not running`);
    this.running.delete(id);
    n.kill('SIGTERM');
    return n.exited;
  }

  /** Every running node lists exactly `ids`, all alive. */
  async formed(ids: string[], on: ClusterNode[] = this.up()): Promise<boolean> {
    try {
      const views = await Promise.all(on.map(membersOf));
      return views.every((v) => v.filter((m) => m.State === 'alive').length === ids.length && ids.every((id) => v.some((m) => m.ID === id && m.State === 'alive')));
    } catch {
      return false;
    }
  }

  /** `define` + `start` every node + wait until each lists all of them alive (the usual test set-up). */
  async boot(ids: string[], env: EnvOf, formedWithinMs = 30_000): Promise<void> {
    await this.define(ids, env);
    await this.start();
    await this.waitFormed(ids, formedWithinMs);
  }

  /** Waits until every running node lists exactly `ids` alive; on timeout the error shows every view. */
  async waitFormed(ids: string[], timeoutMs: number, on?: () => ClusterNode[]): Promise<number> {
    try {
      return await within(`${ids.length} alive members on every node`, timeoutMs, () => this.formed(ids, on ? on() : this.up()), 100);
    } catch (err) {
      throw new Error(`${(err as Error).message}; views: ${await this.views(on ? on() : this.up())}`);
    }
  }

  /** `node: member=state/incarnation …` for every node in `on`, for failure messages. */
  async views(on: ClusterNode[] = this.up()): Promise<string> {
    const parts = await Promise.all(on.map(async (n) => {
      try {
        return `${n.id}: ${(await membersOf(n)).map((m) => `${m.ID}=${m.State}/${m.Incarnation}`).join(' ')}`;
      } catch (err) {
        return `${n.id}: ${String(err)}`;
      }
    }));
    return parts.join(' | ');
  }

  /** State of `id` in the view of every node in `on`. */
  async stateOf(id: string, on: ClusterNode[] = this.up()): Promise<(string | undefined)[]> {
    return Promise.all(on.map(async (n) => {
      try {
        return (await membersOf(n)).find((m) => m.ID === id)?.State;
      } catch {
        return 'unreachable';
      }
    }));
  }
}

/** Every node lists exactly `ids`, all `alive` at a real incarnation. */
export async function formed(nodes: ClusterNode[], ids: string[]): Promise<boolean> {
  const views = await Promise.all(nodes.map(membersOf));
  return views.every((v) => v.length === ids.length && v.every((m) => ids.includes(m.ID) && m.State === 'alive' && m.Incarnation >= 1));
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** `(v1, o1) > (v2, o2)` by version then origin bytes (docs/cluster.md §6). */
export function newer(a: { version: number; origin: string }, b: { version: number; origin: string }): boolean {
  return a.version !== b.version ? a.version > b.version : Buffer.compare(Buffer.from(a.origin), Buffer.from(b.origin)) > 0;
}
