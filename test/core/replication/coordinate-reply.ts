import { CacheError } from '../../../src/core/errors.js';
import type { WriteResult } from '../../../src/core/node.types.js';
import type { CoordinateReply } from '../../../src/core/replication/wire.js';

/** What the coordinate controller answers for one coordinated write: the outcome, or the error's status, code and details. */
export function coordinateReplyOf(result: WriteResult): CoordinateReply {
  if (!(result instanceof Error)) return { ok: true, ...result };
  if (!(result instanceof CacheError)) throw result;
  return { ok: false, status: result.status, code: result.code, error: result.message, ...result.details };
}

/** A thrown write as its result (the single-operation handler's view of `coordinateForwarded`). */
export async function settledWrite(p: Promise<WriteResult>): Promise<WriteResult> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
}
