import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHotDispatch } from '../common/request-front.js';
import type { RoutePolicy } from './route-policy.js';

/**
 * A hot route's answer from the raw Node request handler, ahead of Fastify: `rest` is the request
 * target after the route's fixed prefix (the parameter segment and any query; empty on a route
 * without a parameter, which is answered only for its exact path). Returns false, having written
 * nothing, to leave the request to Fastify (and so to the Nest route).
 */
export type RawHotHandler = (req: IncomingMessage, res: ServerResponse, rest: string) => boolean;

/**
 * What a listener answers on its hot routes: for each `@HotRoute()` handler (the controller method
 * itself, never a path), a builder that receives that route's policy once at boot and returns its
 * raw handler.
 */
export type HotRouteOperations<H extends RawHotHandler = RawHotHandler> = ReadonlyMap<RoutePolicy['handler'], HotOperation<H>>;
export type HotOperation<H extends RawHotHandler = RawHotHandler> = (route: RoutePolicy) => H;

/**
 * Each hot route's answer built with its policy, in route table order. Fails at boot when a
 * `@HotRoute()` handler has no operation or an operation names a handler that is not marked hot.
 */
function buildHotRoutes(routes: readonly RoutePolicy[], operations: HotRouteOperations): Array<{ route: RoutePolicy; answer: RawHotHandler }> {
  const built: Array<{ route: RoutePolicy; answer: RawHotHandler }> = [];
  const unmarked = new Set(operations.keys());
  for (const route of routes) {
    if (!route.hot) continue;
    const build = operations.get(route.handler);
    const name = `${route.controller.name}.${route.handlerName} (${route.method} ${route.path})`;
    if (build === undefined) throw new Error(`hot route ${name} has no hot operation on the ${route.listener} listener`);
    unmarked.delete(route.handler);
    built.push({ route, answer: build(route) });
  }
  if (unmarked.size > 0) {
    throw new Error(`hot operations for handlers without @HotRoute(): ${[...unmarked].map((h) => h.name).join(', ')}`);
  }
  return built;
}

/**
 * The raw request handler of a listener's hot routes (docs/auth.md "Where a request enters"), served
 * ahead of Fastify by the listener's server (src/common/request-front.ts). Resolved at boot: the
 * routes come from the route table (`routeTable`), each handler is built with its route's policy.
 * A hot route's path is either fixed (`/peer/read`: only that exact target is offered to it, no
 * query) or a fixed prefix ending in one parameter segment (`/v1/cache/:key`: the handler gets the
 * rest of the target). Per request the dispatch is a lookup by method, then by exact target, then
 * a prefix comparison.
 *
 * Fails at boot when a `@HotRoute()` handler has no operation, an operation names a handler that is
 * not marked hot, or a hot path has another shape.
 */
export function rawHotRoutes(routes: readonly RoutePolicy[], operations: HotRouteOperations): RawHotDispatch {
  const byMethod = new Map<string, { exact: Map<string, RawHotHandler>; prefixed: Array<{ prefix: string; answer: RawHotHandler }> }>();
  for (const { route, answer } of buildHotRoutes(routes, operations)) {
    let forMethod = byMethod.get(route.method);
    if (forMethod === undefined) byMethod.set(route.method, (forMethod = { exact: new Map(), prefixed: [] }));
    if (!route.path.includes(':')) {
      forMethod.exact.set(route.path, answer);
      continue;
    }
    const colon = route.path.indexOf('/:') + 1;
    if (colon === 0 || route.path.indexOf('/', colon) >= 0) {
      throw new Error(`hot route ${route.method} ${route.path}: a raw hot route is a fixed path or ends in its only parameter segment`);
    }
    forMethod.prefixed.push({ prefix: route.path.slice(0, colon), answer });
  }
  return (req, res) => {
    const forMethod = byMethod.get(req.method!);
    if (forMethod === undefined) return false;
    const url = req.url!;
    const exact = forMethod.exact.get(url);
    if (exact !== undefined) return exact(req, res, '');
    for (const { prefix, answer } of forMethod.prefixed) {
      if (url.startsWith(prefix)) return answer(req, res, url.slice(prefix.length));
    }
    return false;
  };
}
