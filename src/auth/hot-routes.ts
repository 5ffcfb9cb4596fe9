import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import type { RoutePolicy } from './route-policy.js';

/**
 * A hot route's answer, run as that route's own `onRequest` hook: it either answers the request
 * (and never calls `done`) or calls `done()` to leave it to the Nest route, whose guard and handler
 * answer as for any other route.
 */
export type HotHook = (req: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * What a listener answers on its hot routes: for each `@HotRoute()` handler (the controller method
 * itself, never a path), a builder that receives that route's policy once at boot and returns its hook.
 */
export type HotRouteOperations = ReadonlyMap<RoutePolicy['handler'], HotOperation>;
export type HotOperation = (route: RoutePolicy) => HotHook;

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
  const hooks = new Map<string, HotHook>();
  const unmarked = new Set(operations.keys());
  for (const route of routes) {
    if (!route.hot) continue;
    const build = operations.get(route.handler);
    const name = `${route.controller.name}.${route.handlerName} (${route.method} ${route.path})`;
    if (build === undefined) throw new Error(`hot route ${name} has no hot operation on the ${route.listener} listener`);
    unmarked.delete(route.handler);
    hooks.set(routeKey(route.method, route.path), build(route));
  }
  if (unmarked.size > 0) {
    throw new Error(`hot operations for handlers without @HotRoute(): ${[...unmarked].map((h) => h.name).join(', ')}`);
  }

  const pending = new Set(hooks.keys());
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (typeof route.method !== 'string') return;
    const key = routeKey(route.method, route.url);
    const hook = hooks.get(key);
    if (hook === undefined) return;
    // A new array: Fastify's automatic HEAD twin of a GET route copies the options given, not these.
    route.onRequest = [...[route.onRequest ?? []].flat(), hook as onRequestHookHandler];
    pending.delete(key);
  });
  fastify.addHook('onReady', (done) => {
    done(pending.size === 0 ? undefined : new Error(`hot routes never registered: ${[...pending].join(', ')}`));
  });
}

const routeKey = (method: string, path: string) => `${method} ${path}`;
