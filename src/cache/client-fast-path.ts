import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { hasScope, type Scope } from '../auth/scopes.js';
import { type AuthenticatedRequest, routePolicy, verifiedCertCn } from '../auth/scope.guard.js';
import type { AuthPolicy } from '../auth/auth-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { answerError, sendJson } from '../common/error-envelope.js';
import { readRawBody } from '../common/raw-body.js';
import { Errors } from '../core/errors.js';
import { CacheController } from './cache.controller.js';
import { CacheOps, type CacheOpsDeps } from './cache-ops.js';
import { firstValue } from './key-param.js';

/** The route template Nest registers for the single-key operations. */
const KEY_ROUTE = '/v1/cache/:key';

/** What the fast path calls: the operations' dependencies, the value size limit and the auth policy. */
export interface ClientFastPathDeps extends CacheOpsDeps {
  config: Pick<HypercacheConfig, 'readConsistency' | 'writeConsistency' | 'maxValueBytes'>;
  auth: AuthPolicy;
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * `GET`, `HEAD`, `PUT` and `DELETE /v1/cache/{key}` answered from an `onRequest` hook of the client
 * listener instead of the Nest router. They are most of a cache's traffic, and Nest's execution
 * context (guard consumer, interceptors, parameter extractors, the async body iterator, the
 * response pipeline) cost more CPU per request than the whole of a bare Fastify server
 * (bench/PROFILE.md). Same checks, same answers:
 *
 * - Fastify matches the route as before, so `http.route`, the HTTP metrics, the request span and
 *   `X-Cache-Node` are unchanged, and `CacheController` still declares the routes in OpenAPI.
 * - The scope guard's checks run first, with the policy read from the controller's own
 *   `@RequireScope()` metadata and the identity from the same `AuthPolicy`. Only a request the guard
 *   would admit synchronously (open mode, a static bearer or a verified certificate holding the
 *   scope) is answered here. Anything else (no or unknown credentials, a missing scope, an OIDC JWT
 *   to verify) goes on to the Nest route, whose guard answers or verifies exactly as before.
 * - The operation is `CacheOps`, the code the controller calls; errors leave through the envelope
 *   of the app's exception filter (`answerError`).
 */
export function installClientFastPath(fastify: FastifyInstance, deps: ClientFastPathDeps, logger: Logger): void {
  const ops = new CacheOps(deps);
  const limit = deps.config.maxValueBytes;
  const tooLarge = () => Errors.tooLarge(limit);
  const param = (req: FastifyRequest) => (req.params as { key?: string }).key;

  const handlers: Record<string, Handler> = {
    GET: (req, reply) => ops.get(param(req), req.headers, reply),
    HEAD: (req, reply) => ops.head(param(req), req.headers, reply),
    // Body and size come before validation (CONTRACT §3.8).
    PUT: (req, reply) =>
      readRawBody(req.raw, limit, tooLarge).then((value) =>
        ops.put(param(req), value, firstValue((req.query as { ttl?: unknown }).ttl), req.headers, reply)),
    DELETE: (req, reply) => ops.delete(param(req), req.headers, reply),
  };
  const controller = CacheController.prototype;
  const scopes: Record<string, Scope> = {
    GET: scopeOf(controller.get),
    HEAD: scopeOf(controller.head),
    PUT: scopeOf(controller.put),
    DELETE: scopeOf(controller.delete),
  };

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (req.routeOptions.url !== KEY_ROUTE) return done();
    const handler = handlers[req.method];
    const scope = scopes[req.method];
    if (handler === undefined || scope === undefined) return done();
    const identity = deps.auth.resolveStatic(req.headers.authorization, verifiedCertCn(req), req.raw.socket);
    if (identity === undefined || !hasScope(identity, scope)) return done();
    (req as AuthenticatedRequest).identity = identity;
    handler(req, reply).then(
      (body) => send(reply, body),
      (err: unknown) => answerError(reply, err, logger),
    );
  });
}

/** The scope a `CacheController` handler requires; a handler without one never takes the fast path. */
function scopeOf(handler: object): Scope {
  const { isPublic, scope } = routePolicy(handler, CacheController);
  if (isPublic || scope === undefined) throw new Error('client fast path: a single-key route must require a scope');
  return scope;
}

/** A handler's result as Nest's passthrough reply would send it: bytes as is, objects as JSON. */
function send(reply: FastifyReply, body: unknown): void {
  if (body === undefined || Buffer.isBuffer(body)) reply.send(body);
  else sendJson(reply, body);
}
