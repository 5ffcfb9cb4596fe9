import type { MembershipOp } from '../core/membership/messages.js';

/**
 * What every peer request carries besides its body (docs/peer-protocol.md §1): the peer token, the sender's
 * node ID and the protocol version. A receiver refuses an unknown major version, so a mixed-version
 * cluster fails loudly instead of corrupting data.
 */
/** 2: the data-plane routes carry frames with raw-byte values (docs/peer-protocol.md §3.1); 1 carried JSON with base64 values. */
export const PROTOCOL_VERSION = 2;

export const PEER_HEADERS = {
  sender: 'x-hypercache-node',
  protocol: 'x-hypercache-protocol',
} as const;

/** `<major>` or `<major>.<minor>`; only the major version must match. */
const VERSION = /^(\d{1,9})(?:\.\d{1,9})?$/;

export function supportsProtocol(version: string): boolean {
  const major = VERSION.exec(version)?.[1];
  return major !== undefined && Number(major) === PROTOCOL_VERSION;
}

export function unsupportedProtocolMessage(version: string): string {
  return `unsupported protocol version ${version}`;
}

/** Routes of the membership operations (docs/peer-protocol.md §2), one per op; bodies are the JSON of `core/membership/messages.ts`. */
export const PEER_PREFIX = 'peer';
export const MEMBERSHIP_PATHS = {
  ping: `/${PEER_PREFIX}/ping`,
  ping_req: `/${PEER_PREFIX}/ping_req`,
  gossip: `/${PEER_PREFIX}/gossip`,
  join: `/${PEER_PREFIX}/join`,
} as const satisfies Record<MembershipOp, string>;

/** Routes of the data-plane operations (docs/peer-protocol.md §2); bodies are frames (`core/replication/frame.ts`) of the messages of `core/replication/wire.ts`. */
export const REPLICATION_PATHS = {
  replicate: `/${PEER_PREFIX}/replicate`,
  read: `/${PEER_PREFIX}/read`,
  coordinate: `/${PEER_PREFIX}/coordinate`,
} as const;

/** Route of the key browser fan-out (docs/api.md §1.12, docs/peer-protocol.md §2); bodies are the JSON of `core/key-listing/key-listing-wire.ts`. */
export const KEY_LISTING_PATHS = {
  list_keys: `/${PEER_PREFIX}/list_keys`,
} as const;

/** Route of the anti-entropy exchange (docs/cluster.md §8.3, docs/peer-protocol.md §2); bodies are frames of the messages of `core/merkle/merkle-wire.ts`. */
export const ANTI_ENTROPY_PATHS = {
  merkle: `/${PEER_PREFIX}/merkle`,
} as const;
