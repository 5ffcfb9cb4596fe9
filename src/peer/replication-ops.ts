import type { FastifyReply } from 'fastify';
import type { CacheNodeApi } from '../core/node-api.js';
import { CacheError } from '../core/errors.js';
import { FRAME_CONTENT_TYPE, FrameWriter, encodeFrame } from '../core/replication/frame.js';
import { encodeEntry, parseCoordinateRequest, parseReadRequest, parseReplicateRequest } from '../core/replication/wire.js';
import { parsePeerFrame } from './peer-message.js';

/** An operation's answer: a frame (200) or, for a coordinated write that failed, the JSON envelope with its status. */
export type PeerOpAnswer = { status: 200; frame: Buffer } | { status: number; json: Record<string, unknown> };

/**
 * The data-plane peer operations (docs/peer-protocol.md §2) on a read body: frame and whole-message
 * validation (400, nothing applied), then the node's facade (the apply and read rules live in
 * core/replication/replica-receiver.ts), then the answer's frame. Shared by `ReplicationController`
 * and the dist fast path (peer-fast-path.ts), so both answer exactly the same.
 */
export function replicateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): PeerOpAnswer {
  const msg = parsePeerFrame('replicate', body, (frame) => parseReplicateRequest(frame, maxValueBytes));
  return { status: 200, frame: encodeFrame({ results: node.applyReplicated(msg.source, msg.entries) }) };
}

export function readOp(node: CacheNodeApi, body: Buffer): PeerOpAnswer {
  const keys = parsePeerFrame('read', body, (frame) => parseReadRequest(frame.header));
  const frame = new FrameWriter();
  const entries = node.readReplicas(keys).map((e) => (e ? encodeEntry(e, frame) : null));
  return { status: 200, frame: frame.finish({ entries }) };
}

/**
 * A forwarded client write: the coordinator's answer, errors included (status + `{error, code, …}`).
 * A message that fails validation, or an INTERNAL error, is thrown (the listener's error envelope).
 */
export async function coordinateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): Promise<PeerOpAnswer> {
  const msg = parsePeerFrame('coordinate', body, (frame) => parseCoordinateRequest(frame, maxValueBytes));
  try {
    const out = await node.coordinateForwarded(msg);
    return { status: 200, frame: encodeFrame({ version: out.version, acks: out.acks, n: out.n, owners: out.owners, expires_at: out.expiresAt }) };
  } catch (err) {
    if (!(err instanceof CacheError) || err.code === 'INTERNAL') throw err;
    return { status: err.status, json: { error: err.message, code: err.code, ...err.details } };
  }
}

/**
 * Sets the answer's status and content type and returns its body: the frame, or the JSON envelope
 * (the controller hands it to Nest, the fast path to `reply.send`).
 */
export function peerAnswer(reply: FastifyReply, out: PeerOpAnswer): Buffer | Record<string, unknown> {
  void reply.code(out.status);
  if ('frame' in out) {
    void reply.header('content-type', FRAME_CONTENT_TYPE);
    return out.frame;
  }
  return out.json;
}
