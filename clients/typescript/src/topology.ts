import type { paths } from './generated/api.js';
import { HashRing, type Hash64 } from './generated/ring/hash-ring.js';

/** The body of `GET /v1/topology`. */
export type TopologyResponse = paths['/v1/topology']['get']['responses'][200]['content']['application/json'];
export type TopologyMember = TopologyResponse['members'][number];

/**
 * One view of the cluster: the ring the nodes compute (same members, virtual nodes, hash and
 * replication, with the server's own ring code) and each member's client API URL.
 */
export class Topology {
  readonly ring: HashRing;
  readonly replication: number;
  private readonly byId: Map<string, TopologyMember>;

  constructor(readonly source: TopologyResponse, hash: Hash64) {
    if (source.hash !== 'xxhash64') throw new Error(`unsupported ring hash ${JSON.stringify(source.hash)}`);
    this.replication = source.replication;
    this.byId = new Map(source.members.map((m) => [m.id, m]));
    this.ring = new HashRing(source.members.map((m) => m.id), source.virtualNodes, hash);
  }

  get members(): readonly TopologyMember[] {
    return this.source.members;
  }

  /** owners(k), primary first, exactly as every node with this view computes it. */
  owners(key: string): string[] {
    return this.ring.owners(key, this.replication);
  }

  url(id: string): string | undefined {
    return this.byId.get(id)?.url;
  }

  /**
   * Where to send an operation on `key`, in order: its owners (alive ones first, each group in ring
   * order), then the other members (alive first). Empty `key` (no key: batch of one owner, listing)
   * gives every member, alive first.
   */
  candidates(key?: string): string[] {
    const owners = key === undefined ? [] : this.owners(key);
    const rest = this.source.members.map((m) => m.id).filter((id) => !owners.includes(id));
    return [...aliveFirst(owners, this.byId), ...aliveFirst(rest, this.byId)].map((id) => this.byId.get(id)!.url);
  }

  /** Same members, URLs, states and ring parameters. */
  equals(other: TopologyResponse): boolean {
    return JSON.stringify(this.source) === JSON.stringify(other);
  }
}

function aliveFirst(ids: string[], byId: Map<string, TopologyMember>): string[] {
  return [...ids.filter((id) => byId.get(id)!.state === 'alive'), ...ids.filter((id) => byId.get(id)!.state !== 'alive')];
}

/** Checks the shape of a topology answer (a node of another version, a proxy's error page). */
export function parseTopology(body: unknown): TopologyResponse {
  const t = body as TopologyResponse;
  const ok =
    typeof t === 'object' && t !== null && Number.isInteger(t.replication) && t.replication >= 1 && Number.isInteger(t.virtualNodes) &&
    t.virtualNodes >= 1 && t.virtualNodes <= 256 && typeof t.hash === 'string' && Array.isArray(t.members) && t.members.length > 0 &&
    t.members.every((m) => typeof m?.id === 'string' && typeof m.url === 'string' && /^https?:\/\//.test(m.url) && (m.state === 'alive' || m.state === 'suspect'));
  if (!ok) throw new Error('invalid topology answer');
  return t;
}
