import type { CacheNodeApi } from '../core/node-api.js';
import { CacheError } from '../core/errors.js';
import {
  type ReplicateResult, WireError, type WireEntry, encodeEntry,
  parseCoordinateRequest, parseReadRequest, parseReplicateRequest,
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
 */
export async function coordinateOp(node: CacheNodeApi, maxValueBytes: number, body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const msg = parsePeerMessage('coordinate', body, (doc) => parseCoordinateRequest(doc, maxValueBytes), WireError);
  try {
    const out = await node.coordinateForwarded(msg);
    return { status: 200, body: { version: out.version, acks: out.acks, n: out.n, owners: out.owners, expires_at: out.expiresAt } };
  } catch (err) {
    if (!(err instanceof CacheError) || err.code === 'INTERNAL') throw err;
    return { status: err.status, body: { error: err.message, code: err.code, ...err.details } };
  }
}
