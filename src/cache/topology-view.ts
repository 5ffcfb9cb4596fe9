import type { MemberView } from '../core/events.js';

/** One ring member of `GET /v1/topology` (docs/api.md §1.17). */
export interface TopologyMember {
  id: string;
  url: string;
  state: 'alive' | 'suspect';
}

/** `GET /v1/topology` (docs/api.md §1.17): what a client needs to compute owners(k) as the nodes do. */
export interface TopologyResponse {
  replication: number;
  virtualNodes: number;
  hash: 'xxhash64';
  members: TopologyMember[];
}

/**
 * The ring members of this node's view (alive and suspect, sorted by ID) with their client API URLs.
 * A member whose record carries no URL (a node that advertises none) is shown with the default rule
 * of `HYPERCACHE_API_ADVERTISE_ADDR`: the host of its advertised dist address, with this node's
 * scheme and client API port (docs/configuration.md).
 */
export function topologyView(
  members: readonly MemberView[],
  selfId: string,
  config: { replication: number; vnodes: number },
): TopologyResponse {
  const self = members.find((m) => m.ID === selfId);
  const fallback = self?.ApiURL !== undefined ? new URL(self.ApiURL) : undefined;
  const ring = members
    .filter((m): m is MemberView & { State: 'alive' | 'suspect' } => m.State === 'alive' || m.State === 'suspect')
    .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  const out: TopologyMember[] = [];
  for (const m of ring) {
    const url = m.ApiURL ?? (fallback && defaultUrl(m.Address, fallback));
    if (url !== undefined) out.push({ id: m.ID, url, state: m.State });
  }
  return { replication: config.replication, virtualNodes: config.vnodes, hash: 'xxhash64', members: out };
}

/** `<scheme>://<host of the dist address>:<client API port>` from this node's own URL. */
function defaultUrl(distAddress: string, own: URL): string {
  const host = distAddress.slice(0, distAddress.lastIndexOf(':'));
  return `${own.protocol}//${host}:${own.port || (own.protocol === 'https:' ? '443' : '80')}`;
}
