import type { Entry } from '../store/entry.js';
import type { CoordinateReply, CoordinateRequest, ReplicateResult, ReplicateSource } from './wire.js';

/** A member as the transport reaches it. */
export interface PeerRef {
  id: string;
  address: string;
}

/**
 * How a failed peer call ended (docs/cluster.md §4): `not-sent` proves the peer never received the
 * request (refused, DNS, connect timeout, 401); `unknown` may have reached it (timeout or reset
 * after sending, an unexpected answer).
 */
export type FailurePhase = 'not-sent' | 'unknown';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly phase: FailurePhase,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The data-plane peer operations the replication core needs (docs/peer-protocol.md §2). Implementations throw
 * `TransportError` for every failure; `coordinate` returns the coordinator's answer, errors included.
 */
export interface ReplicationTransport {
  replicate(peer: PeerRef, source: ReplicateSource, entries: Entry[], timeoutMs: number): Promise<ReplicateResult[]>;
  read(peer: PeerRef, keys: string[], timeoutMs: number): Promise<(Entry | undefined)[]>;
  coordinate(peer: PeerRef, req: CoordinateRequest, timeoutMs: number): Promise<CoordinateReply>;
  /** One `coordinate` call carrying several operations for one coordinator: one reply per operation, in order. */
  coordinateMany(peer: PeerRef, reqs: CoordinateRequest[], timeoutMs: number): Promise<CoordinateReply[]>;
}

/** Single-node mode: there is nobody to talk to. */
export const noPeersTransport: ReplicationTransport = {
  replicate: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
  read: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
  coordinate: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
  coordinateMany: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
};
