import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** Paths whose last segment is a `{key}`: an empty segment there is a bad key, not an unknown route. */
const EMPTY_KEY_PATHS = new Set(['/v1/cache/', '/v1/owners/']);

/** Longer than any request line Node accepts (16 KiB of headers), so every key segment reaches its handler. */
const MAX_PARAM_CHARS = 65_536;

/**
 * Route matching on the raw path (CONTRACT §4.1). Fastify's router percent-decodes the path before
 * matching and answers a bad escape itself, before auth and without the contract's envelope.
 * Escaping each `%` as `%25` makes the router decode back to exactly the raw path, so a `{key}`
 * parameter is the raw segment, which the handler decodes and validates after the guard ran
 * (key-codec.ts). An empty key becomes a lone `%` segment: the route still matches (Nest would
 * 404 an empty parameter) and the key decoder rejects it with the contract's 400.
 */
export function keepPathRaw(url: string): string {
  let end = url.length;
  let escaped = false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
    if (c === 0x25 /* % */) escaped = true;
  }
  if (escaped) return url.slice(0, end).replaceAll('%', '%25') + url.slice(end);
  if (EMPTY_KEY_PATHS.has(url.slice(0, end))) return `${url.slice(0, end)}%25${url.slice(end)}`;
  return url;
}

/**
 * Requests Node's HTTP parser rejects (raw bytes in the URL, a malformed Content-Length, oversized
 * headers, header timeout) never reach Fastify's routing; they still get the `{error, code}` envelope.
 */
function answerClientError(nodeId: string) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'request header fields too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request timeout']
          : [400, 'bad request'];
    const body = JSON.stringify({ error: message, code: 'BAD_REQUEST' });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Cache-Node: ${nodeId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

/** The Fastify server options of the client API listener. */
export function clientFastifyOptions(nodeId: string): Pick<FastifyServerOptions, 'rewriteUrl' | 'routerOptions' | 'clientErrorHandler'> {
  return {
    rewriteUrl: (req) => keepPathRaw(req.url ?? '/'),
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    clientErrorHandler: answerClientError(nodeId),
  };
}

/**
 * No client route reads the request Content-Type (PUT stores bytes as sent, batch bodies are JSON
 * whatever the type, CONTRACT §4.1, §4.9). Fastify 5 refuses a malformed one with 415 before the
 * route runs, so any declared type is replaced by a neutral one first.
 */
export function ignoreRequestContentType(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/octet-stream';
    done();
  });
}
