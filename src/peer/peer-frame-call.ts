import type { Logger } from 'pino';
import { FRAME_CONTENT_TYPE, type FrameReader, parseFrame } from '../core/replication/frame.js';
import { type PeerRef, TransportError } from '../core/replication/transport.js';
import { peerCallFailure, peerStatusFailure } from './peer-call-error.js';
import type { PeerClient, PeerReply } from './peer-client.js';

/** POSTs a frame (docs/peer-protocol.md §3.1) to a data-plane route; a call that fails becomes the core's TransportError. */
export function postFrame(client: PeerClient, logger: Logger, peer: PeerRef, path: string, frame: Buffer, timeoutMs: number): Promise<PeerReply> {
  return client.call(peer.address, { method: 'POST', path, body: frame, contentType: FRAME_CONTENT_TYPE, timeoutMs }).then(undefined, (err: unknown) => {
    throw peerCallFailure(err, peer, path, logger);
  });
}

/** A 200 answer's frame, validated whole with `parse` (every tail byte claimed) before the core sees it. */
export function parseFrameReply<T>(op: string, peer: PeerRef, res: PeerReply, parse: (frame: FrameReader) => T): T {
  if (res.status !== 200) throw peerStatusFailure(op, peer, res.status);
  try {
    return parseFrame(res.body, parse);
  } catch (err) {
    throw new TransportError('unknown', `${op} to ${peer.id}: invalid reply: ${String(err)}`);
  }
}
