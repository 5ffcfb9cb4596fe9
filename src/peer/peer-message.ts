import type { FastifyRequest } from 'fastify';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import { readBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';
import { type FrameReader, WireError, parseFrame } from '../core/replication/frame.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a peer request body as UTF-8 JSON and validates it with `parse`. Invalid JSON, or a
 * schema error (an instance of `SchemaError`), becomes 400 `invalid <op> message: …` (docs/peer-protocol.md §3);
 * nothing of a rejected message is applied.
 */
export function parsePeerMessage<T>(
  op: string,
  body: Buffer,
  parse: (doc: unknown) => T,
  SchemaError: abstract new (...args: never[]) => Error,
): T {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(body));
  } catch {
    throw new CacheError('BAD_REQUEST', `invalid ${op} message: not JSON`);
  }
  return validated(op, SchemaError, () => parse(doc));
}

/**
 * Reads a data-plane peer request body as a frame (docs/peer-protocol.md §3.1) and validates its
 * header with `parse`, which takes the values from the tail; a tail byte no value claims is an
 * error too. Any failure becomes 400 `invalid <op> message: …`; nothing of it is applied.
 */
export function parsePeerFrame<T>(op: string, body: Buffer, parse: (frame: FrameReader) => T): T {
  return validated(op, WireError, () => parseFrame(body, parse));
}

function validated<T>(op: string, SchemaError: abstract new (...args: never[]) => Error, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SchemaError) throw new CacheError('BAD_REQUEST', `invalid ${op} message: ${err.message}`);
    throw err;
  }
}

/** Reads a peer request body within the dist message limit (docs/peer-protocol.md §4: 4 × MAX_VALUE_BYTES + 1 MiB). */
export function readPeerBody(req: FastifyRequest, maxValueBytes: number): Promise<Buffer> {
  const limit = peerMessageLimit(maxValueBytes);
  return readBody(req, limit, () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`));
}
