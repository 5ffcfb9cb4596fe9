import type { Logger } from 'pino';
import { type PeerRef, TransportError } from '../core/replication/transport.js';

/** Errors that prove the request never reached the peer (docs/cluster.md §4 promotion rules). */
const NOT_SENT = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  // The peer's certificate is outside HYPERCACHE_DIST_TLS_ALLOWED_NAMES: dropped after the handshake, before the request.
  'ERR_PEER_CERT_NAME_NOT_ALLOWED',
]);

/** A failed peer call as the core sees it: `not-sent` when the error proves the peer never got it. */
export function peerCallFailure(err: unknown, peer: PeerRef, path: string, logger: Logger): TransportError {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? e.name ?? 'error';
  logger.debug({ peer: peer.id, path, error: code }, 'peer call failed');
  return new TransportError(NOT_SENT.has(code) ? 'not-sent' : 'unknown', `${path} to ${peer.id}: ${code}`);
}

/** A non-200 answer: 401 proves nothing was applied; anything else may have been. */
export function peerStatusFailure(op: string, peer: PeerRef, status: number): TransportError {
  return new TransportError(status === 401 ? 'not-sent' : 'unknown', `${op} to ${peer.id}: status ${status}`);
}
