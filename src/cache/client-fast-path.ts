import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HotHook, HotOperation, HotRouteOperations } from '../auth/hot-routes.js';
import type { RoutePolicy } from '../auth/route-policy.js';
import { hasScope } from '../auth/scopes.js';
import { type AuthenticatedRequest, verifiedCertCn } from '../auth/scope.guard.js';
import type { AuthPolicy } from '../auth/auth-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { answerError, sendJson } from '../common/error-envelope.js';
import { readRawBody } from '../common/raw-body.js';
import { Errors } from '../core/errors.js';
import { CacheController } from './cache.controller.js';
import { CacheOps, type CacheOpsDeps } from './cache-ops.js';
import { firstValue } from './key-param.js';

/** What the hot routes call: the operations' dependencies, the value size limit and the auth policy. */
export interface ClientHotRouteDeps extends CacheOpsDeps {
  config: Pick<HypercacheConfig, 'readConsistency' | 'writeConsistency' | 'maxValueBytes'>;
  auth: AuthPolicy;
}

type Operation = (req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * The client listener's hot routes: `CacheController`'s `@HotRoute()` handlers (`GET`, `HEAD`,
 * `PUT` and `DELETE /v1/cache/{key}`) answered from their Fastify route's `onRequest` hook instead
 * of the Nest router (src/auth/hot-routes.ts). They are most of a cache's traffic, and Nest's
 * execution context (guard consumer, interceptors, parameter extractors, the async body iterator,
 * the response pipeline) cost more CPU per request than the whole of a bare Fastify server
 * (bench/PROFILE.md). Same checks, same answers (docs/auth.md "Where a request enters"):
 *
 * - Fastify matches the route as before, so `http.route`, the HTTP metrics, the request span and
 *   `X-Cache-Node` are unchanged, and `CacheController` still declares the routes in OpenAPI.
 * - The scope comes from the route's policy (src/auth/route-policy.ts, the guard's own reading of
 *   `@RequireScope()`), the identity from the same `AuthPolicy`. Only a request the guard would
 *   admit synchronously (open mode, a static bearer or a verified certificate holding the scope) is
 *   answered here. Anything else (no or unknown credentials, a missing scope, an OIDC JWT to verify)
 *   goes on to the Nest route, whose guard answers or verifies exactly as before.
 * - The operation is `CacheOps`, the code the controller calls; errors leave through the envelope
 *   of the app's exception filter (`answerError`). A local GET/HEAD returns its answer directly and
 *   is sent in the same turn; the other operations return a promise.
 */
export function clientHotRoutes(deps: ClientHotRouteDeps, logger: Logger): HotRouteOperations {
  const ops = new CacheOps(deps);
  const limit = deps.config.maxValueBytes;
  const tooLarge = () => Errors.tooLarge(limit);
  const param = (req: FastifyRequest) => (req.params as { key?: string }).key;
  const hot = (op: Operation) => (route: RoutePolicy) => scopedHook(route, op, deps.auth, logger);
  const controller = CacheController.prototype;
  return new Map<RoutePolicy['handler'], HotOperation>([
    [controller.get, hot((req, reply) => ops.get(param(req), req.headers, reply))],
    [controller.head, hot((req, reply) => ops.head(param(req), req.headers, reply))],
    // Body and size come before validation (docs/api.md §1.15, check order).
    [controller.put, hot((req, reply) =>
      readRawBody(req.raw, limit, tooLarge).then((value) =>
        ops.put(param(req), value, firstValue((req.query as { ttl?: unknown }).ttl), req.headers, reply)))],
    [controller.delete, hot((req, reply) => ops.delete(param(req), req.headers, reply))],
  ]);
}

/** The hook of one scoped route: the guard's synchronous admission, then `op`, or on to Nest. */
function scopedHook(route: RoutePolicy, op: Operation, auth: AuthPolicy, logger: Logger): HotHook {
  if (route.access.kind !== 'scope') throw new Error(`client hot route ${route.method} ${route.path} must require a scope`);
  const { scope } = route.access;
  return (req, reply, done) => {
    const identity = auth.resolveStatic(req.headers.authorization, verifiedCertCn(req), req.raw.socket);
    if (identity === undefined || !hasScope(identity, scope)) return done();
    (req as AuthenticatedRequest).identity = identity;
    let body: unknown;
    try {
      body = op(req, reply);
    } catch (err) {
      answerError(reply, err, logger);
      return;
    }
    // A local read answers synchronously; anything that waits (a body, peers, a write) is a promise.
    if (body instanceof Promise) {
      body.then(
        (result) => send(reply, result),
        (err: unknown) => answerError(reply, err, logger),
      );
    } else {
      send(reply, body);
    }
  };
}

/** A handler's result as Nest's passthrough reply would send it: bytes as is, objects as JSON. */
function send(reply: FastifyReply, body: unknown): void {
  if (body === undefined || Buffer.isBuffer(body)) reply.send(body);
  else sendJson(reply, body);
}
