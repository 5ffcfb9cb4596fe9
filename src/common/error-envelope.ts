import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { CacheError } from '../core/errors.js';

export interface ErrorEnvelope {
  error: string;
  code: string;
}

interface FastifyishError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Maps anything thrown to the documented status and `{error, code}` (docs/api.md §1.15). Unknown
 * errors become 500 INTERNAL with no detail; the caller logs them.
 */
export function toEnvelope(err: unknown, maxBodyBytes?: number): { status: number; body: ErrorEnvelope; error?: CacheError; unexpected: boolean } {
  if (err instanceof CacheError) {
    return { status: err.status, body: { error: err.message, code: err.code }, error: err, unexpected: false };
  }
  const e = (err ?? {}) as FastifyishError & { getStatus?: () => number };
  const status = typeof e.getStatus === 'function' ? e.getStatus() : e.statusCode;
  if (status === 404) return { status: 404, body: { error: 'route not found', code: 'NOT_FOUND' }, unexpected: false };
  if (status === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const msg = maxBodyBytes !== undefined ? `request body exceeds ${maxBodyBytes} bytes` : 'request body too large';
    return { status: 413, body: { error: msg, code: 'PAYLOAD_TOO_LARGE' }, unexpected: false };
  }
  if (status === 405) return { status: 404, body: { error: 'route not found', code: 'NOT_FOUND' }, unexpected: false };
  if (status !== undefined && status >= 400 && status < 500) {
    return { status: 400, body: { error: 'bad request', code: 'BAD_REQUEST' }, unexpected: false };
  }
  return { status: 500, body: { error: 'internal error', code: 'INTERNAL' }, unexpected: true };
}

/**
 * The headers an error answer carries besides its content type, as a flat `[name, value, ...]` list
 * in the order they are written: `WWW-Authenticate: Bearer` on a 401, the ETag a 412/503 reports,
 * `X-Cache-Acks` when the error counted acknowledgements.
 */
export function errorHeaders(status: number, error?: CacheError): string[] {
  const headers: string[] = [];
  if (status === 401) headers.push('www-authenticate', 'Bearer');
  const d = error?.details;
  if (d?.version !== undefined && (error!.code === 'PRECONDITION_FAILED' || error!.code === 'QUORUM_NOT_MET')) {
    headers.push('etag', `"${d.version}"`);
  }
  if (d?.acks !== undefined && d.n !== undefined) headers.push('x-cache-acks', `${d.acks}/${d.n}`);
  return headers;
}

/** Writes an error answer with `errorHeaders`; a HEAD answer has no body. */
export function sendError(reply: FastifyReply, status: number, body: ErrorEnvelope, error?: CacheError): void {
  const headers = errorHeaders(status, error);
  for (let i = 0; i < headers.length; i += 2) reply.header(headers[i]!, headers[i + 1]!);
  reply.status(status);
  if (reply.request.method === 'HEAD') {
    reply.send();
    return;
  }
  sendJson(reply, body);
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends `body` as JSON (the content type every JSON answer of the three listeners carries). */
export function sendJson(reply: FastifyReply, body: unknown): void {
  reply.header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(body));
}

/**
 * Answers anything a request handler threw with the envelope, logging unexpected errors (no detail
 * reaches the client). The exception filter of every app ends here; the client and peer fast paths,
 * which answer from the raw request handler, end in its twin `answerRawError` (raw-reply.ts).
 */
export function answerError(reply: FastifyReply, err: unknown, logger: Pick<Logger, 'error'>): void {
  const { status, body, error, unexpected } = toEnvelope(err);
  if (unexpected) logger.error({ err }, 'unhandled request error');
  if (!reply.sent) sendError(reply, status, body, error);
}
