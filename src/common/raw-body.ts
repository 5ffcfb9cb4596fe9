import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
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
 * Reads the body of a request that reached a Nest route, up to `limit` bytes, with `readRawBody`'s
 * rules. The pass-through parser above hands over the request stream itself (`req.body` is
 * `req.raw`); a request Fastify found no body in has none to read.
 */
export function readBody(req: FastifyRequest, limit: number, tooLarge: () => CacheError): Promise<Buffer> {
  const body = req.body as { on?: unknown } | null | undefined;
  if (!body || typeof body.on !== 'function') {
    const declared = req.headers['content-length'];
    return declared !== undefined && Number(declared) > limit ? Promise.reject(tooLarge()) : Promise.resolve(Buffer.alloc(0));
  }
  return readRawBody(req.raw, limit, tooLarge);
}

/**
 * No route reads the request Content-Type (PUT stores bytes as sent, batch and peer bodies have
 * fixed formats whatever the type, docs/api.md §1.2, §1.11, docs/peer-protocol.md). Fastify 5 refuses a malformed one with 415 before the
 * route runs, so any declared type is replaced by a neutral one first.
 */
export function ignoreRequestContentType(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/octet-stream';
    done();
  });
}

/**
 * Reads a request body up to `limit` bytes straight from the request stream (the fast paths call it
 * from the raw request handler or an `onRequest` hook, `readBody` behind the pass-through parser): a Content-Length over the
 * limit is refused without reading, a longer chunked body stops at the limit (413, the rest
 * discarded, so the answer still reaches the client), a body cut short is 400 `incomplete request
 * body`. Returns one Buffer (a single copy at most).
 */
export function readRawBody(raw: IncomingMessage, limit: number, tooLarge: () => CacheError): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => onRawBody(raw, limit, tooLarge, (err, body) => (err === undefined ? resolve(body!) : reject(err))));
}

/**
 * `readRawBody` without a promise: `done` is called once, with the body or the error, from the
 * stream's `end` (or error) event, or at once for a Content-Length over the limit. The client hot
 * route's PUT answers from that callback (src/cache/client-fast-path.ts).
 */
export function onRawBody(raw: IncomingMessage, limit: number, tooLarge: () => CacheError, done: (err: CacheError | undefined, body?: Buffer) => void): void {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const fail = (err: CacheError) => {
    if (settled) return;
    settled = true;
    raw.removeListener('data', onData);
    raw.resume(); // Node discards the rest; the answer still reaches the client.
    done(err);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) return fail(tooLarge());
    chunks.push(chunk);
  };
  // `on`, not `once`: each fires at most once per request or is ignored once settled.
  raw.on('data', onData);
  raw.on('end', () => {
    if (settled) return;
    settled = true;
    done(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  raw.on('error', () => fail(new CacheError('BAD_REQUEST', 'incomplete request body')));
  raw.on('close', () => {
    if (!raw.complete) fail(new CacheError('BAD_REQUEST', 'incomplete request body'));
  });
}
