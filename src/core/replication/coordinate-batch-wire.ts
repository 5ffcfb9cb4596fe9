import { CacheError } from '../errors.js';
import type { WriteResult } from '../node.types.js';
import type { FrameReader, ValueSink } from './frame.js';
import { type CoordinateReply, type CoordinateRequest, WireError, encodeCoordinate, parseCoordinateOp, parseCoordinateReply } from './wire.js';

/**
 * A `coordinate` call carrying several operations (docs/peer-protocol.md §2.1): `{"ops":[…]}`, each
 * element a single `coordinate` message (its value, if any, the frame's next in `ops` order), answered 200 `{"results":[…]}` with, per operation, its
 * `status` and the body a single call would have answered. Built from the single message's
 * encoder and parser, so both shapes stay one schema.
 */
export const COORDINATE_MAX_OPS = 1000;

export type CoordinateMessage = { batch: false; req: CoordinateRequest } | { batch: true; reqs: CoordinateRequest[] };

export function encodeCoordinateBatch(reqs: readonly CoordinateRequest[], frame: ValueSink): Record<string, unknown> {
  return { ops: reqs.map((r) => encodeCoordinate(r, frame)) };
}

/** A single operation, or `ops` (1 to COORDINATE_MAX_OPS of them): validated whole, so an invalid one rejects the message. */
export function parseCoordinateMessage(frame: FrameReader, maxValueBytes: number): CoordinateMessage {
  const doc = frame.header;
  const ops = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>).ops : undefined;
  if (ops === undefined) return { batch: false, req: parseCoordinateOp(doc, frame, maxValueBytes) };
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > COORDINATE_MAX_OPS) {
    throw new WireError(`ops: expected 1 to ${COORDINATE_MAX_OPS} operations`);
  }
  return {
    batch: true,
    reqs: ops.map((op, i) => {
      try {
        return parseCoordinateOp(op, frame, maxValueBytes);
      } catch (err) {
        if (err instanceof WireError) throw new WireError(`ops[${i}].${err.message}`);
        throw err;
      }
    }),
  };
}

/**
 * The answer to one coordinated operation: 200 with `version`, `acks`, `n`, `owners`, `expires_at`,
 * or the error's status and `{error, code, …details}`. Undefined for anything but a `CacheError`
 * other than INTERNAL (the caller answers that with its error envelope).
 */
export function coordinateAnswer(result: WriteResult): { status: number; body: Record<string, unknown> } | undefined {
  if (!(result instanceof Error)) {
    return { status: 200, body: { version: result.version, acks: result.acks, n: result.n, owners: result.owners, expires_at: result.expiresAt } };
  }
  if (!(result instanceof CacheError) || result.code === 'INTERNAL') return undefined;
  return { status: result.status, body: { error: result.message, code: result.code, ...result.details } };
}

/** `results` of a batched call: one answer per operation, each parsed as a single call's reply. */
export function parseCoordinateBatchReply(doc: unknown, count: number): CoordinateReply[] {
  const results = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).results : undefined;
  if (!Array.isArray(results) || results.length !== count) throw new WireError('results: invalid');
  return results.map((r, i) => {
    const status = (r as Record<string, unknown> | null)?.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) throw new WireError(`results[${i}].status: invalid`);
    return parseCoordinateReply(status, r);
  });
}
