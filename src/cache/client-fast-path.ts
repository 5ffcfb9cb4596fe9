import { context, type Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HotOperation, HotRouteOperations, RawHotHandler } from '../auth/hot-routes.js';
import type { RoutePolicy } from '../auth/route-policy.js';
import { hasScope } from '../auth/scopes.js';
import { verifiedSocketCn } from '../auth/scope.guard.js';
import type { AuthPolicy } from '../auth/auth-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { answerRawError, RawReply } from '../common/raw-reply.js';
import { onRawBody } from '../common/raw-body.js';
import type { RequestTrail } from '../metrics/request-trail.js';
import { type CacheError, Errors } from '../core/errors.js';
import { startRequestSpan } from '../tracing/http-spans.js';
import { activeTracer } from '../tracing/tracing.js';
import { CacheController } from './cache.controller.js';
import { CacheOps, type CacheOpsDeps, type KeyRequestHeaders } from './cache-ops.js';

/** What the hot routes call: the operations' dependencies, the value size limit and the auth policy. */
export interface ClientHotRouteDeps extends CacheOpsDeps {
  config: Pick<HypercacheConfig, 'readConsistency' | 'writeConsistency' | 'maxValueBytes'>;
  auth: AuthPolicy;
}

/**
 * One operation: the raw `{key}` segment, the `ttl` query (PUT only), the headers, and for PUT the
 * request body; returns the answer's body or a promise of it.
 */
type Operation = (req: IncomingMessage, segment: string, ttl: string | undefined, reply: RawReply, body: Buffer | undefined) => unknown;

/**
 * The client listener's hot routes: `CacheController`'s `@HotRoute()` handlers (`GET`, `HEAD`,
 * `PUT` and `DELETE /v1/cache/{key}`) answered from the raw Node request handler, ahead of
 * Fastify's routing and hook chain (src/common/request-front.ts, src/auth/hot-routes.ts). They
 * are most of a cache's traffic, and the request through Fastify and Nest cost more CPU than the
 * operation itself (bench/PROFILE.md). Same checks, same answers (docs/auth.md "Where a request
 * enters"):
 *
 * - Only a target that is exactly the route is answered: one non-empty `{key}` segment of plain
 *   URL characters (percent escapes are decoded and checked by the operation, as for the Fastify
 *   route), and no query except one `ttl=<duration>` on PUT. Anything else goes to Fastify.
 * - The scope comes from the route's policy (src/auth/route-policy.ts, the guard's own reading of
 *   `@RequireScope()`), the identity from the same `AuthPolicy`. Only a request the guard would
 *   admit synchronously (open mode, a static bearer or a verified certificate holding the scope) is
 *   answered here. Anything else (no or unknown credentials, a missing scope, an OIDC JWT to verify)
 *   goes to Fastify and the Nest route, whose guard answers or verifies exactly as before.
 * - The operation is `CacheOps`, the code the controller calls, writing into a `RawReply` that is
 *   sent with one `writeHead`; errors leave through the same envelope (`answerRawError`).
 * - What Fastify's hooks would add is added here: `X-Cache-Node` first, the request span (named
 *   and labelled with the route template, the operation run in its context), the HTTP metrics and
 *   the debug log line (`RequestTrail`), with the route template as label.
 *
 * A local GET/HEAD is answered in the same turn, and so is a PUT/DELETE no peer takes part in (a
 * single node, or RF 1: this node the key's only owner), a PUT from its body's `end` event without
 * a promise; operations that wait for peers return a promise.
 */
export function clientHotRoutes(deps: ClientHotRouteDeps, trail: RequestTrail, nodeId: string): HotRouteOperations<RawHotHandler> {
  const ops = new CacheOps(deps);
  const headers = (req: IncomingMessage) => req.headers as KeyRequestHeaders;
  const hot = (op: Operation, body?: BodyLimit) => (route: RoutePolicy) => rawHandler(route, op, body, deps.auth, trail, nodeId);
  const limit = deps.config.maxValueBytes;
  const controller = CacheController.prototype;
  return new Map<RoutePolicy['handler'], HotOperation<RawHotHandler>>([
    [controller.get, hot((req, key, _ttl, reply) => ops.get(key, headers(req), reply))],
    [controller.head, hot((req, key, _ttl, reply) => ops.head(key, headers(req), reply))],
    // Body and size come before validation (docs/api.md §1.15, check order): the body is read first.
    [controller.put, hot((req, key, ttl, reply, value) => ops.put(key, value!, ttl, headers(req), reply), { limit, tooLarge: () => Errors.tooLarge(limit) })],
    [controller.delete, hot((req, key, _ttl, reply) => ops.delete(key, headers(req), reply))],
  ]);
}

/** A route that reads the request body (PUT): its size limit and the error over it. */
interface BodyLimit {
  limit: number;
  tooLarge: () => CacheError;
}

/**
 * The raw handler of one scoped route: the exact target, the guard's synchronous admission, then
 * `op` (after the body, for a route that reads one); otherwise false (on to Fastify). The `ttl`
 * query is taken on a route that reads a body only.
 */
function rawHandler(route: RoutePolicy, op: Operation, body: BodyLimit | undefined, auth: AuthPolicy, trail: RequestTrail, nodeId: string): RawHotHandler {
  if (route.access.kind !== 'scope') throw new Error(`client hot route ${route.method} ${route.path} must require a scope`);
  const { scope } = route.access;
  const { method, path } = route;
  const logger = trail.logger;

  const finish = (res: ServerResponse, start: number, span: Span | undefined) =>
    trail.answered(method, path, res.statusCode, performance.now() - start, span);
  const fail = (res: ServerResponse, start: number, span: Span | undefined, err: unknown) => {
    answerRawError(res, method, ['x-cache-node', nodeId], err, logger);
    finish(res, start, span);
  };
  /** Runs the operation and answers; false when the answer waits for peers (the connection is released once it is sent). */
  const answer = (req: IncomingMessage, res: ServerResponse, segment: string, ttl: string | undefined, start: number, span: Span | undefined, value: Buffer | undefined): boolean => {
    const reply = new RawReply(['x-cache-node', nodeId]);
    let result: unknown;
    try {
      result = op(req, segment, ttl, reply, value);
    } catch (err) {
      fail(res, start, span, err);
      return true;
    }
    // A local read or a write no peer takes part in answers synchronously; anything that waits for peers is a promise.
    if (result instanceof Promise) {
      result.then(
        (out: Buffer | object | undefined) => {
          reply.send(res, method, out);
          finish(res, start, span);
          release(req.socket);
        },
        (err: unknown) => {
          fail(res, start, span, err);
          release(req.socket);
        },
      );
      return false;
    }
    reply.send(res, method, result as Buffer | object | undefined);
    finish(res, start, span);
    return true;
  };
  /** The operation, after the body for a route that reads one; false when the answer comes later. */
  const run = (req: IncomingMessage, res: ServerResponse, segment: string, ttl: string | undefined, start: number, span: Span | undefined): boolean => {
    if (body === undefined) return answer(req, res, segment, ttl, start, span, undefined);
    // The operation runs from the body's `end` event, in the request span's context like the rest.
    const ctx = span === undefined ? undefined : context.active();
    let waiting = false;
    let answered = false;
    onRawBody(req, body.limit, body.tooLarge, (err, value) => {
      let now = true;
      if (err !== undefined) fail(res, start, span, err);
      else if (ctx === undefined) now = answer(req, res, segment, ttl, start, span, value);
      else now = context.with(ctx, answer, undefined, req, res, segment, ttl, start, span, value);
      answered = now;
      if (now && waiting) release(req.socket);
    });
    waiting = !answered;
    return answered;
  };
  /** The request span (when tracing is on) around `run`. */
  const serve = (req: IncomingMessage, res: ServerResponse, segment: string, ttl: string | undefined, start: number): boolean => {
    const tracer = activeTracer();
    if (tracer === undefined) return run(req, res, segment, ttl, start, undefined);
    const { span, ctx } = startRequestSpan(tracer, method, path, req.headers, trail.listener);
    return context.with(ctx, run, undefined, req, res, segment, ttl, start, span);
  };

  return (req, res, rest) => {
    const start = performance.now();
    const q = rest.indexOf('?');
    const segment = q < 0 ? rest : rest.slice(0, q);
    if (!isPlainSegment(segment)) return false;
    let ttl: string | undefined;
    if (q >= 0) {
      ttl = body !== undefined ? ttlOf(rest, q + 1) : undefined;
      if (ttl === undefined) return false;
    }
    const identity = auth.resolveStatic(req.headers.authorization, verifiedSocketCn(req.socket), req.socket);
    if (identity === undefined || !hasScope(identity, scope)) return false;
    // Pipelined requests of one connection run in order: behind one still waiting (for its body or
    // its peers), this one waits its turn, so a PUT followed by a GET of the key reads the PUT.
    const conn = req.socket as Connection;
    const queue = conn[WAITING];
    if (queue === undefined) {
      if (!serve(req, res, segment, ttl, start)) conn[WAITING] = BUSY;
    } else {
      const next = () => serve(req, res, segment, ttl, start);
      if (queue === BUSY) conn[WAITING] = [next];
      else queue.push(next);
    }
    return true;
  };
}

/**
 * The hot requests of one connection waiting for an earlier one on it to be answered (`rawHandler`):
 * `BUSY` while one waits and none is queued behind it (no array per waiting request).
 */
const WAITING = Symbol('hot requests waiting on this connection');
const BUSY = 0;
type Connection = Socket & { [WAITING]?: Array<() => boolean> | typeof BUSY };

/** The request that held `socket` is answered: the waiting ones run in order, until one of them waits in turn. */
function release(socket: Socket): void {
  const conn = socket as Connection;
  const queue = conn[WAITING];
  if (queue === undefined) return;
  if (queue === BUSY) {
    conn[WAITING] = undefined;
    return;
  }
  while (queue.length > 0) {
    if (!queue.shift()!()) return; // it releases the rest once answered
  }
  conn[WAITING] = undefined;
}

/**
 * A `{key}` segment the Fastify route would hand over unchanged: non-empty, only unreserved,
 * sub-delim, `:`, `@` and `%` characters (no `/`, `?`, `#`, spaces or non-ASCII). The operation
 * decodes and checks the escapes, as it does for the segment the Fastify route passes.
 */
function isPlainSegment(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    if (PLAIN[s.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

const PLAIN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%") PLAIN[c.charCodeAt(0)] = 1;

/**
 * The value of a query that is exactly `ttl=<value>` with `<value>` of letters, digits and dots
 * (a Go duration as written; empty allowed), else undefined: a query parser would read it the
 * same, so nothing else (escapes, `+`, several parameters) is interpreted here.
 */
function ttlOf(target: string, from: number): string | undefined {
  if (!target.startsWith('ttl=', from)) return undefined;
  for (let i = from + 4; i < target.length; i++) {
    const c = target.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e;
    if (!ok) return undefined;
  }
  return target.slice(from + 4);
}
