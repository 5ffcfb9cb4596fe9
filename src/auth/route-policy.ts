import { type INestApplication, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { HOT_ROUTE_KEY, PUBLIC_KEY, SCOPE_KEY } from './auth.decorators.js';
import type { ListenerName } from './scope.guard.js';
import type { Scope } from './scopes.js';

/**
 * Who may call a route (docs/auth.md "Scopes per route"):
 * - `public`: no credentials, not even examined (`@Public()`);
 * - `scope`: an identity of the client policy holding `scope` (`@RequireScope()`);
 * - `peer`: peer credentials (every route of the dist listener; no scopes);
 * - `undeclared`: a client or management route with neither decorator, which the guard denies
 *   to everyone (default deny) and the OpenAPI builder refuses.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'scope'; scope: Scope } | { kind: 'peer' } | { kind: 'undeclared' };

/** One route of a listener app as its controller declares it (docs/auth.md "Where a request enters"). */
export interface RoutePolicy {
  listener: ListenerName;
  controller: Type<unknown>;
  /** The handler's method name on the controller, and the function itself. */
  handlerName: string;
  handler: (...args: never[]) => unknown;
  /** Upper-case HTTP method (`GET`, `PUT`, ...). */
  method: string;
  /** The path Nest registers with Fastify, in Fastify syntax (`/v1/cache/:key`). */
  path: string;
  access: RouteAccess;
  /** Marked `@HotRoute()`: answered ahead of the Nest router (src/auth/hot-routes.ts). */
  hot: boolean;
}

const PEER: RouteAccess = { kind: 'peer' };
const PUBLIC: RouteAccess = { kind: 'public' };
const UNDECLARED: RouteAccess = { kind: 'undeclared' };

const metadata = new Reflector();
// handler → class → access; a handler inherited by several controllers may carry different class metadata.
const accessCache = new WeakMap<object, WeakMap<object, RouteAccess>>();

/**
 * The access rule of `handler` on controller class `cls` of `listener`: on the dist listener every
 * route takes peer credentials; elsewhere whatever the handler itself declares (`@Public()` or
 * `@RequireScope()`) wins over anything its class declares, so a public class cannot open a scoped handler. Metadata is static, so each (handler, class) pair is read once; the scope guard calls
 * this on every request.
 */
export function routeAccess(listener: ListenerName, handler: object, cls: object): RouteAccess {
  if (listener === 'dist') return PEER;
  let byClass = accessCache.get(handler);
  if (!byClass) accessCache.set(handler, (byClass = new WeakMap()));
  let access = byClass.get(cls);
  if (!access) byClass.set(cls, (access = readAccess(handler, cls)));
  return access;
}

function readAccess(handler: object, cls: object): RouteAccess {
  return declaredOn(handler) ?? declaredOn(cls) ?? UNDECLARED;
}

/** What one target (a handler or a class) declares itself; `@Public()` wins on the same target. */
function declaredOn(target: object): RouteAccess | undefined {
  const fn = target as () => unknown;
  if (metadata.get<boolean>(PUBLIC_KEY, fn)) return PUBLIC;
  const scope = metadata.get<Scope | undefined>(SCOPE_KEY, fn);
  return scope === undefined ? undefined : { kind: 'scope', scope };
}

/**
 * Every route handler of every controller mounted in `app` (the app of `listener`), one entry per
 * path: method and path from Nest's own `@Controller()` / `@Get()`... metadata, joined as Nest's
 * router joins them (this project sets no global prefix, versions or module paths), and the access
 * rule the guards enforce. The hot-route installer, the OpenAPI builder and the tests read this table;
 * `test/auth/route-policy.spec.ts` checks it against the routes Fastify registered.
 */
export function routeTable(app: INestApplication, listener: ListenerName): RoutePolicy[] {
  const scanner = new MetadataScanner();
  const routes: RoutePolicy[] = [];
  const seen = new Set<Type<unknown>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown>;
      if (seen.has(controller)) continue;
      seen.add(controller);
      const prefixes = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
      for (const handlerName of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[handlerName] as RoutePolicy['handler'];
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const access = routeAccess(listener, handler, controller);
        const hot = Reflect.getMetadata(HOT_ROUTE_KEY, handler) === true;
        for (const prefix of prefixes) {
          for (const path of pathsOf(paths)) {
            routes.push({ listener, controller, handlerName, handler, method, path: joinPath(prefix, path), access, hot });
          }
        }
      }
    }
  }
  return routes;
}

function pathsOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [''] : [value].flat();
}

/** Nest's RoutePathFactory for a controller path and a method path: one leading slash, no trailing one. */
function joinPath(controllerPath: string, methodPath: string): string {
  const joined = [controllerPath, methodPath].filter((p) => p !== '').reduce((a, b) => stripEndSlash(a) + leadingSlash(b), '');
  const path = leadingSlash(joined || '/');
  return path === '/' ? path : stripEndSlash(path);
}

const leadingSlash = (p: string) => (p.startsWith('/') ? p : `/${p}`);
const stripEndSlash = (p: string) => (p.endsWith('/') ? p.slice(0, -1) : p);
