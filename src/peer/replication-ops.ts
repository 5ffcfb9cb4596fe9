import type { CacheNodeApi } from '../core/node-api.js';
import type { WriteResult } from '../core/node.types.js';
import { coordinateAnswer, parseCoordinateMessage } from '../core/replication/coordinate-batch-wire.js';
import { FRAME_CONTENT_TYPE, FrameWriter, encodeFrame } from '../core/replication/frame.js';
import { encodeEntry, parseReadRequest, parseReplicateRequest } from '../core/replication/wire.js';
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
 * A message carrying several operations (`ops`) is answered 200 with one such answer per operation.
 */
export async function coordinateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): Promise<PeerOpAnswer> {
  const msg = parsePeerFrame('coordinate', body, (frame) => parseCoordinateMessage(frame, maxValueBytes));
  if (msg.batch) {
    const results = await node.coordinateForwardedMany(msg.reqs);
    return { status: 200, frame: encodeFrame({ results: results.map((r) => {
      const answer = coordinateAnswer(r) ?? { status: 500, body: { error: 'internal error', code: 'INTERNAL' } };
      return { status: answer.status, ...answer.body };
    }) }) };
  }
  let result: WriteResult;
  try {
    result = await node.coordinateForwarded(msg.req);
  } catch (err) {
    result = err instanceof Error ? err : new Error(String(err));
  }
  const answer = coordinateAnswer(result);
  if (!answer) throw result;
  return answer.status === 200 ? { status: 200, frame: encodeFrame(answer.body) } : { status: answer.status, json: answer.body };
}

/** The part of a reply `peerAnswer` sets: a Fastify reply, or the fast path's `RawReply`. */
interface ReplyHead {
  code(status: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * Sets the answer's status and content type and returns its body: the frame, or the JSON envelope
 * (the controller hands it to Nest, the fast path to `RawReply.send`).
 */
export function peerAnswer(reply: ReplyHead, out: PeerOpAnswer): Buffer | Record<string, unknown> {
  void reply.code(out.status);
  if ('frame' in out) {
    void reply.header('content-type', FRAME_CONTENT_TYPE);
    return out.frame;
  }
  return out.json;
}
