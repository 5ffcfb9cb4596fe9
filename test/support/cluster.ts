import { nodeEnv, type SpawnedNode, spawnNode } from './spawn-node.js';

/** Helpers for multi-process cluster tests: real `dist/main.js` processes on loopback. */
export const TOKEN = 'cluster-token';

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

export const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

export async function getJson<T>(base: string, path: string, token = TOKEN): Promise<{ status: number; body: T }> {
  const r = await fetch(`${base}${path}`, { headers: auth(token) });
  return { status: r.status, body: (await r.json()) as T };
}

export const mgmt = (n: ClusterNode) => `http://127.0.0.1:${n.ports.management}`;
export const client = (n: ClusterNode) => `http://127.0.0.1:${n.ports.client}`;
export const membersOf = async (n: ClusterNode) => (await getJson<{ members: Member[] }>(mgmt(n), '/cluster/members')).body.members;

/**
 * Starts nodes `ids` with every other node as an `id@127.0.0.1:port` seed (or the given seeds),
 * all at once, and resolves once each has logged `hypercache-server started`.
 */
export async function startNodes(
  ids: string[],
  env: Record<string, string> | ((id: string) => Record<string, string>),
  seedsOf?: (id: string) => string,
): Promise<ClusterNode[]> {
  const envOf = typeof env === 'function' ? env : () => env;
  const envs = await Promise.all(ids.map((id) => nodeEnv({ HYPERCACHE_NODE_ID: id, HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_LOG_LEVEL: 'info', ...envOf(id) })));
  const dist = new Map(ids.map((id, i) => [id, envs[i]!.HYPERCACHE_DIST_ADDR!]));
  const seeds = seedsOf ?? ((id: string) => ids.filter((o) => o !== id).map((o) => `${o}@${dist.get(o)}`).join(','));
  const nodes = await Promise.all(ids.map((id, i) => spawnNode({ ...envs[i], HYPERCACHE_SEEDS: seeds(id) })));
  return nodes.map((n, i) => Object.assign(n, { id: ids[i]!, distAddr: dist.get(ids[i]!)! }));
}

/** Every node lists exactly `ids`, all `alive` at a real incarnation. */
export async function formed(nodes: ClusterNode[], ids: string[]): Promise<boolean> {
  const views = await Promise.all(nodes.map(membersOf));
  return views.every((v) => v.length === ids.length && v.every((m) => ids.includes(m.ID) && m.State === 'alive' && m.Incarnation >= 1));
}
