import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerClientError, closeWith, rawAnswer } from './client-error.js';
import { type ErrorEnvelope, sendError, toEnvelope } from './error-envelope.js';

const ROUTE_NOT_FOUND: ErrorEnvelope = { error: 'route not found', code: 'NOT_FOUND' };

/** Fastify's router errors, answered before any hook runs (Fastify's own body has `statusCode` and `FST_` codes). */
const ROUTER_ERRORS: Record<string, ErrorEnvelope> = {
  FST_ERR_BAD_URL: { error: 'invalid URL: bad percent-encoding in the path', code: 'BAD_REQUEST' },
  FST_ERR_MAX_PARAM_LENGTH: { error: 'invalid URL: path segment too long', code: 'BAD_REQUEST' },
};

/**
 * The Fastify options that give every error raised before a route runs the `{error, code}`
 * envelope (docs/api.md §1.16), with `X-Cache-Node` when `nodeId` is given (the
 * client API): parser errors (`clientErrorHandler`, client-error.ts) and router errors
 * (`frameworkErrors`). Node's own bare 400 for an HTTP/1.1 request without `Host` is turned off
 * here and answered by `installFrameworkErrorAnswers` instead.
 */
export function frameworkErrorOptions(nodeId: string | undefined): Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'> {
  return {
    clientErrorHandler: answerClientError(nodeId),
    frameworkErrors: (err: FastifyError, _req, reply) => {
      if (nodeId !== undefined) reply.header('x-cache-node', nodeId);
      const known = ROUTER_ERRORS[err.code];
      const { status, body } = known ? { status: 400, body: known } : toEnvelope(err);
      sendError(reply, status, body);
    },
  };
}

/** The Node server option that lets a request without `Host` reach the hook below. */
export const HOST_CHECKED_BY_HOOK = { requireHostHeader: false } as const;

/**
 * Answers, with the envelope, what Node would otherwise answer bare or not at all: an HTTP/1.1
 * request without `Host` (400, RFC 9112 §3.2), an `Expect` other than `100-continue` (417), and
 * `CONNECT` (404 like any unknown method; Node would drop the connection). Registered before
 * every other `onRequest` hook.
 */
export function installFrameworkErrorAnswers(fastify: FastifyInstance, nodeId: string | undefined): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.raw.httpVersion !== '1.1' || req.headers.host !== undefined) return done();
    if (nodeId !== undefined) reply.header('x-cache-node', nodeId);
    sendError(reply.header('connection', 'close'), 400, { error: 'missing Host header', code: 'BAD_REQUEST' });
  });
  fastify.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const json = JSON.stringify({ error: 'unsupported Expect header: only 100-continue is supported', code: 'BAD_REQUEST' });
    res.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
      connection: 'close',
      ...(nodeId !== undefined ? { 'x-cache-node': nodeId } : {}),
    });
    res.end(json);
  });
  fastify.server.on('connect', (_req: IncomingMessage, socket: Socket) => closeWith(socket, rawAnswer(404, ROUTE_NOT_FOUND, nodeId)));
}
