import type { Core } from '../bootstrap/core.js';
import { CacheError } from '../core/errors.js';
import {
  HARD_SOURCES, type ReplicateResult, WireError, type WireEntry, encodeEntry,
  parseCoordinateRequest, parseReadRequest, parseReplicateRequest,
} from '../core/replication/wire.js';
import { parsePeerMessage } from './peer-message.js';

/**
 * The data-plane peer operations (CONTRACT §7.2) on a read body: whole-message validation (400,
 * nothing applied), then the node. Shared by `ReplicationController` and the dist fast path
 * (peer-fast-path.ts), so both answer exactly the same.
 */
export function replicateOp(core: Core, body: Buffer): { results: ReplicateResult[] } {
  const msg = parsePeerMessage('replicate', body, (doc) => parseReplicateRequest(doc, core.config.maxValueBytes), WireError);
  const { node } = core;
  const mode = HARD_SOURCES.has(msg.source) ? 'hard' : 'soft';
  const results = msg.entries.map((entry): ReplicateResult => {
    node.hlc.observe(entry.version);
    if (node.store.apply(entry, mode, msg.source) !== 'applied') return 'stale';
    // A copy of a key this node does not own (views diverged) moves on at the next rebalance tick (§6.10).
    node.rebalancer.noteReceived(entry.key);
    return 'applied';
  });
  return { results };
}

export function readOp(core: Core, body: Buffer): { entries: (WireEntry | null)[] } {
  const keys = parsePeerMessage('read', body, parseReadRequest, WireError);
  const { store, counters } = core.node;
  const entries = keys.map((k) => store.peek(k)).map((e) => (e && (e.kind === 'item' || store.isLiveTombstone(e)) ? encodeEntry(e) : null));
  counters.replicaReadMisses(entries.filter((e) => e === null).length);
  return { entries };
}

/**
 * A forwarded client write: the coordinator's answer, errors included (status + `{error, code, …}`).
 * A message that fails validation, or an INTERNAL error, is thrown (the listener's error envelope).
 */
export async function coordinateOp(core: Core, body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const msg = parsePeerMessage('coordinate', body, (doc) => parseCoordinateRequest(doc, core.config.maxValueBytes), WireError);
  try {
    const out = await core.node.coordinateForwarded(msg);
    return { status: 200, body: { version: out.version, acks: out.acks, n: out.n, owners: out.owners, expires_at: out.expiresAt } };
  } catch (err) {
    if (!(err instanceof CacheError) || err.code === 'INTERNAL') throw err;
    return { status: err.status, body: { error: err.message, code: err.code, ...err.details } };
  }
}
