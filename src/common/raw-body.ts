import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { CacheError } from '../core/errors.js';

/**
 * Bodies are never parsed by Fastify: every content type passes through as the raw stream, so
 * guards run before a byte is read and PUT values stay byte-exact (curl --data sends form data).
 */
export function passThroughBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

/**
 * Reads a request body up to `limit` bytes. A Content-Length over the limit is refused without
 * reading; a longer chunked body stops at the limit. Returns one Buffer (a single copy).
 */
export async function readBody(req: FastifyRequest, limit: number, tooLarge: () => CacheError): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const stream = (req.body as Readable | undefined) ?? undefined;
  if (!stream || typeof (stream as Readable).on !== 'function') return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Not destroyed on overflow, so the 413 still reaches the client (Node discards the rest).
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof CacheError) throw err;
    // The client aborted mid-body: its fault, not a 500.
    throw new CacheError('BAD_REQUEST', 'incomplete request body');
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/**
 * No route reads the request Content-Type (PUT stores bytes as sent, batch and peer bodies have
 * fixed formats whatever the type, CONTRACT §4.1, §4.9, §7). Fastify 5 refuses a malformed one with 415 before the
 * route runs, so any declared type is replaced by a neutral one first.
 */
export function ignoreRequestContentType(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/octet-stream';
    done();
  });
}
