import type { CacheNodeApi } from '../core/node-api.js';
import type { WriteResult } from '../core/node.types.js';
import { coordinateAnswer, parseCoordinateMessage } from '../core/replication/coordinate-batch-wire.js';
import {
  type ReplicateResult, WireError, type WireEntry, encodeEntry,
  parseReadRequest, parseReplicateRequest,
} from '../core/replication/wire.js';
import { parsePeerMessage } from './peer-message.js';

/**
 * The data-plane peer operations (docs/peer-protocol.md §2) on a read body: whole-message validation (400,
 * nothing applied), then the node's facade (the apply and read rules live in
 * core/replication/replica-receiver.ts), then the wire encoding. Shared by `ReplicationController`
 * and the dist fast path (peer-fast-path.ts), so both answer exactly the same.
 */
export function replicateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): { results: ReplicateResult[] } {
  const msg = parsePeerMessage('replicate', body, (doc) => parseReplicateRequest(doc, maxValueBytes), WireError);
  return { results: node.applyReplicated(msg.source, msg.entries) };
}

export function readOp(node: CacheNodeApi, body: Buffer): { entries: (WireEntry | null)[] } {
  const keys = parsePeerMessage('read', body, parseReadRequest, WireError);
  return { entries: node.readReplicas(keys).map((e) => (e ? encodeEntry(e) : null)) };
}

/**
 * A forwarded client write: the coordinator's answer, errors included (status + `{error, code, …}`).
 * A message that fails validation, or an INTERNAL error, is thrown (the listener's error envelope).
 * A message carrying several operations (`ops`) is answered 200 with one such answer per operation.
 */
export async function coordinateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const msg = parsePeerMessage('coordinate', body, (doc) => parseCoordinateMessage(doc, maxValueBytes), WireError);
  if (msg.batch) {
    const results = await node.coordinateForwardedMany(msg.reqs);
    return { status: 200, body: { results: results.map((r) => {
      const answer = coordinateAnswer(r) ?? { status: 500, body: { error: 'internal error', code: 'INTERNAL' } };
      return { status: answer.status, ...answer.body };
    }) } };
  }
  let result: WriteResult;
  try {
    result = await node.coordinateForwarded(msg.req);
  } catch (err) {
    result = err instanceof Error ? err : new Error(String(err));
  }
  const answer = coordinateAnswer(result);
  if (!answer) throw result;
  return answer;
}
