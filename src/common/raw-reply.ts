import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorHeaders, JSON_CONTENT_TYPE, toEnvelope } from './error-envelope.js';

const OCTET_STREAM = 'application/octet-stream';
/** Bodies up to this size are written together with the head (`send`). */
const ONE_CHUNK_BYTES = 1024;

/**
 * The head of an answer written from the raw request handler: a status and a flat
 * `[name, value, ...]` header list, sent with one `res.writeHead(status, headers)`. It takes the
 * `header()`/`code()` calls of the operations (src/cache/cache-ops.ts) like a Fastify reply, and
 * `send` finishes the answer as Fastify's `reply.send` does for the bodies the hot routes return,
 * so both ways write the same bytes: lower-case names in the order they were set, then the content
 * type and length Fastify adds. Unlike Fastify's reply, a header set twice is listed twice: the
 * operations never set one twice.
 */
export class RawReply {
  status = 200;

  /** `headers` starts with what every answer of the listener carries (`X-Cache-Node`), a fresh array per request. */
  constructor(readonly headers: string[]) {}

  header(name: string, value: string): this {
    this.headers.push(name, value);
    return this;
  }

  /** Several headers at once, from a list built beforehand (the item headers of a stored version). */
  headerList(pairs: readonly string[]): this {
    for (let i = 0; i < pairs.length; i++) this.headers.push(pairs[i]!);
    return this;
  }

  code(status: number): this {
    this.status = status;
    return this;
  }

  /**
   * Sends `body` as Nest's passthrough reply would: a Buffer as is (`application/octet-stream` unless
   * a type was set), an object as JSON, undefined as no body (`Content-Length: 0` except for HEAD,
   * 204 and 304). A HEAD answer keeps the length of the body it does not send.
   */
  send(res: ServerResponse, method: string, body: Buffer | object | undefined): void {
    const { headers, status } = this;
    if (body === undefined) {
      if (status >= 200 && status !== 204 && status !== 304 && method !== 'HEAD') headers.push('content-length', '0');
      res.writeHead(status, headers);
      res.end();
      return;
    }
    if (Buffer.isBuffer(body)) {
      if (!hasHeader(headers, 'content-type')) headers.push('content-type', OCTET_STREAM);
      headers.push('content-length', String(body.length));
      res.writeHead(status, headers);
      // A small body goes as a latin1 string (one char per byte, the same bytes): Node then writes
      // head and body as one chunk instead of a two-chunk writev (bench/PROFILE.md).
      if (body.length <= ONE_CHUNK_BYTES) res.end(body.toString('latin1'), 'latin1');
      else res.end(body);
      return;
    }
    const json = JSON.stringify(body);
    headers.push('content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(json)));
    res.writeHead(status, headers);
    res.end(json);
  }
}

function hasHeader(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return true;
  return false;
}

/**
 * `answerError` (error-envelope.ts) for an answer written from the raw request handler: the
 * `{error, code}` envelope with the documented status and the same headers after `headers` (the
 * listener's own), no body for HEAD; unexpected errors are logged and carry no detail. Writes
 * nothing once the head is sent. Returns the status answered.
 */
export function answerRawError(res: ServerResponse, method: string, headers: string[], err: unknown, logger: Pick<Logger, 'error'>): number {
  const { status, body, error, unexpected } = toEnvelope(err);
  if (unexpected) logger.error({ err }, 'unhandled request error');
  if (res.headersSent) return res.statusCode;
  const reply = new RawReply(headers.concat(errorHeaders(status, error))).code(status);
  reply.send(res, method, method === 'HEAD' ? undefined : body);
  return status;
}
