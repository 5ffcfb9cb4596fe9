import type { MemberTable } from '../membership/member-table.js';
import type { PeerRef } from '../replication/transport.js';
import { compareUtf8 } from '../keys/utf8-order.js';

/** docs/peer-protocol.md §4: `list_keys` calls time out after 10 s. */
export const LIST_KEYS_TIMEOUT_MS = 10_000;

/** One member's answer: its `max` smallest matching live keys (sorted) and whether it had more. */
export interface MemberListing {
  keys: string[];
  more: boolean;
}

/** The `list_keys` peer operation (docs/peer-protocol.md §2). Failures throw. */
export interface KeyListingTransport {
  listKeys(peer: PeerRef, pattern: string, max: number, timeoutMs: number): Promise<MemberListing>;
}

/** Single-node mode: there is nobody to ask (only self is a member, so it is never called). */
export const noKeyListingTransport: KeyListingTransport = {
  listKeys: () => Promise.reject(new Error('no peer transport')),
};

export interface ClusterListing {
  keys: string[];
  truncated: boolean;
  /** Members whose listing failed or timed out, sorted. */
  partialNodes: string[];
}

export interface KeyBrowserDeps {
  nodeId: string;
  members: MemberTable;
  /** This node's own listing (read locally). */
  local(max: number): MemberListing;
  transport(): KeyListingTransport;
}

/**
 * The cluster-wide key browser (docs/api.md §1.12): every `alive` member (self read locally) lists its
 * `max` smallest matching keys; the entry node merges them into one distinct set in UTF-8 byte order
 * and keeps the `max` smallest. `truncated` is exact: the responding members' distinct matched set
 * has more than `max` keys (some member had more, or the union exceeds `max`).
 */
export async function listClusterKeys(deps: KeyBrowserDeps, pattern: string, max: number): Promise<ClusterListing> {
  const peers = deps.members.list().filter((m) => m.ID !== deps.nodeId && m.State === 'alive');
  const partialNodes: string[] = [];
  const listings: MemberListing[] = [deps.local(max)];
  const remote = await Promise.all(
    peers.map(async (m) => {
      try {
        return await deps.transport().listKeys({ id: m.ID, address: m.Address }, pattern, max, LIST_KEYS_TIMEOUT_MS);
      } catch {
        partialNodes.push(m.ID);
        return undefined;
      }
    }),
  );
  for (const l of remote) if (l) listings.push(l);
  const merged = [...new Set(listings.flatMap((l) => l.keys))].sort(compareUtf8);
  return {
    keys: merged.slice(0, max),
    truncated: merged.length > max || listings.some((l) => l.more),
    partialNodes: partialNodes.sort(),
  };
}
