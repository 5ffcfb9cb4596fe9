import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHotDispatch } from '../common/request-front.js';
import type { RoutePolicy } from './route-policy.js';

/**
 * A hot route's answer, run as that route's own `onRequest` hook: it either answers the request
 * (and never calls `done`) or calls `done()` to leave it to the Nest route, whose guard and handler
 * answer as for any other route.
 */
export type HotHook = (req: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * A hot route's answer from the raw Node request handler, ahead of Fastify: `rest` is the request
 * target after the route's fixed prefix (the parameter segment and any query). Returns false,
 * having written nothing, to leave the request to Fastify (and so to the Nest route).
 */
export type RawHotHandler = (req: IncomingMessage, res: ServerResponse, rest: string) => boolean;


/**
 * What a listener answers on its hot routes: for each `@HotRoute()` handler (the controller method
 * itself, never a path), a builder that receives that route's policy once at boot and returns its
 * answer (a Fastify hook, `H = HotHook`, or a raw handler, `H = RawHotHandler`).
 */
export type HotRouteOperations<H = HotHook> = ReadonlyMap<RoutePolicy['handler'], HotOperation<H>>;
export type HotOperation<H = HotHook> = (route: RoutePolicy) => H;

/**
 * Each hot route's answer built with its policy, by `METHOD path`. Fails at boot when a
 * `@HotRoute()` handler has no operation or an operation names a handler that is not marked hot.
 */
function buildHotRoutes<H>(routes: readonly RoutePolicy[], operations: HotRouteOperations<H>): Map<string, { route: RoutePolicy; answer: H }> {
  const built = new Map<string, { route: RoutePolicy; answer: H }>();
  const unmarked = new Set(operations.keys());
  for (const route of routes) {
    if (!route.hot) continue;
    const build = operations.get(route.handler);
    const name = `${route.controller.name}.${route.handlerName} (${route.method} ${route.path})`;
    if (build === undefined) throw new Error(`hot route ${name} has no hot operation on the ${route.listener} listener`);
    unmarked.delete(route.handler);
    built.set(routeKey(route.method, route.path), { route, answer: build(route) });
  }
  if (unmarked.size > 0) {
    throw new Error(`hot operations for handlers without @HotRoute(): ${[...unmarked].map((h) => h.name).join(', ')}`);
  }
  return built;
}

/**
 * Attaches each hot route's hook to the Fastify route Nest registers for it (docs/auth.md "Where a
 * request enters"). Everything is resolved here, at boot: the routes come from the controllers'
 * metadata (`routeTable`), each hook is built with its route's policy, and Fastify runs it only for
 * requests its router matched to that route, after the listener-wide hooks (tracing, metrics,
 * `X-Cache-Node`). Other routes carry no extra hook and requests pay no lookup.
 *
 * Fails at boot when a `@HotRoute()` handler has no operation, an operation names a handler that is
 * not marked hot, or a hot route was never registered with Fastify. Call before Nest registers the
 * routes (the `configure` step of `createApp`).
 */
export function installHotRoutes(fastify: FastifyInstance, routes: readonly RoutePolicy[], operations: HotRouteOperations): void {
  const hooks = buildHotRoutes(routes, operations);
  const pending = new Set(hooks.keys());
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (typeof route.method !== 'string') return;
    const key = routeKey(route.method, route.url);
    const hook = hooks.get(key)?.answer;
    if (hook === undefined) return;
    // A new array: Fastify's automatic HEAD twin of a GET route copies the options given, not these.
    route.onRequest = [...[route.onRequest ?? []].flat(), hook as onRequestHookHandler];
    pending.delete(key);
  });
  fastify.addHook('onReady', (done) => {
    done(pending.size === 0 ? undefined : new Error(`hot routes never registered: ${[...pending].join(', ')}`));
  });
}

/**
 * The raw request handler of a listener's hot routes (docs/auth.md "Where a request enters"), served
 * ahead of Fastify by the listener's server (src/common/request-front.ts). Resolved at boot like
 * `installHotRoutes`: the routes come from the route table, each handler is built with its route's
 * policy. A hot route's path must be a fixed prefix ending in one parameter segment
 * (`/v1/cache/:key`); per request the dispatch is a lookup by method and a prefix comparison.
 * Fails at boot on the same mistakes as `installHotRoutes`, and on a hot path of another shape.
 */
export function rawHotRoutes(routes: readonly RoutePolicy[], operations: HotRouteOperations<RawHotHandler>): RawHotDispatch {
  const byMethod = new Map<string, Array<{ prefix: string; answer: RawHotHandler }>>();
  for (const { route, answer } of buildHotRoutes(routes, operations).values()) {
    const colon = route.path.indexOf('/:') + 1;
    if (colon === 0 || route.path.indexOf('/', colon) >= 0) {
      throw new Error(`hot route ${route.method} ${route.path}: a raw hot route ends in its only parameter segment`);
    }
    const list = byMethod.get(route.method) ?? [];
    list.push({ prefix: route.path.slice(0, colon), answer });
    byMethod.set(route.method, list);
  }
  return (req, res) => {
    const list = byMethod.get(req.method!);
    if (list === undefined) return false;
    const url = req.url!;
    for (const { prefix, answer } of list) {
      if (url.startsWith(prefix)) return answer(req, res, url.slice(prefix.length));
    }
    return false;
  };
}

const routeKey = (method: string, path: string) => `${method} ${path}`;
