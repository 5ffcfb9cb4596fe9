import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotRoute, Public, RequireScope } from '../../src/auth/auth.decorators.js';
import { type RawHotHandler, rawHotRoutes } from '../../src/auth/hot-routes.js';
import { routeAccess, type RoutePolicy, routeTable } from '../../src/auth/route-policy.js';
import type { ListenerName } from '../../src/auth/scope.guard.js';
import { RouteRecorder } from '../../src/openapi/route-recorder.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/** docs/auth.md "Where a request enters": one reading of route policy for the guards, the hot routes and OpenAPI. */

const LISTENERS: ListenerName[] = ['client', 'management', 'dist'];

describe('routeTable on a running node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(LISTENERS)('%s: method and path of every handler = the Nest routes Fastify registered', (listener) => {
    const app = node.apps[listener];
    // The explorer and its assets are plain Fastify routes, not controllers.
    const registered = app.get(RouteRecorder, { strict: false }).routes().filter((r) => r.url !== '/docs' && !r.url.startsWith('/docs/'));
    const table = routeTable(app, listener);
    expect(table.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...new Set(registered.map((r) => `${r.method} ${r.url}`))].sort());
    expect(table.every((r) => r.listener === listener)).toBe(true);
  });

  it('client and management routes are public or scoped, never undeclared; every dist route takes peer credentials', () => {
    for (const listener of ['client', 'management'] as const) {
      const undeclared = routeTable(node.apps[listener], listener).filter((r) => r.access.kind !== 'public' && r.access.kind !== 'scope');
      expect(undeclared.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    }
    expect(new Set(routeTable(node.apps.dist, 'dist').map((r) => r.access.kind))).toEqual(new Set(['peer']));
  });

  it('reads each route the way the docs table says', () => {
    const accessOf = (listener: ListenerName, route: string) => routeTable(node.apps[listener], listener).find((r) => `${r.method} ${r.path}` === route)?.access;
    expect(accessOf('client', 'GET /healthz')).toEqual({ kind: 'public' });
    expect(accessOf('client', 'HEAD /v1/cache/:key')).toEqual({ kind: 'scope', scope: 'read' });
    expect(accessOf('client', 'PUT /v1/cache/:key')).toEqual({ kind: 'scope', scope: 'write' });
    expect(accessOf('management', 'GET /health/ready')).toEqual({ kind: 'public' });
    expect(accessOf('management', 'POST /clear')).toEqual({ kind: 'scope', scope: 'admin' });
    expect(accessOf('dist', 'GET /health')).toEqual({ kind: 'peer' });
  });
});

describe('rawHotRoutes', () => {
  const route = (handlerName: keyof Routes, method: string, path: string, hot: boolean): RoutePolicy => ({
    listener: 'client', controller: Routes, handlerName, handler: Routes.prototype[handlerName], method, path,
    access: routeAccess('client', Routes.prototype[handlerName], Routes), hot,
  });
  const table = [route('write', 'GET', '/hot/:id', true), route('read', 'GET', '/cold/:id', false)];
  const answering = (policy: RoutePolicy): RawHotHandler => (req, res, rest) => {
    if (req.headers['x-skip'] !== undefined) return false;
    res.writeHead(200, ['x-answered-by', `hot ${policy.handlerName}`]).end(`rest=${rest}`);
    return true;
  };

  /** A server whose hot dispatch is `dispatch` and which answers `fastify` to whatever it declines; `use` gets its base URL. */
  async function withServer(dispatch: ReturnType<typeof rawHotRoutes>, use: (base: string) => Promise<void>): Promise<void> {
    const server = createServer((req, res) => {
      if (!dispatch(req, res)) res.end('fastify');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('answers only the hot route\'s method and prefix, with the rest of the target; a declined request goes on', async () => {
    const dispatch = rawHotRoutes(table, new Map([[Routes.prototype.write, answering]]));
    await withServer(dispatch, async (base) => {
      const hot = await fetch(`${base}/hot/a%2Fb?ttl=1m`);
      expect([await hot.text(), hot.headers.get('x-answered-by')]).toEqual(['rest=a%2Fb?ttl=1m', 'hot write']);
      expect(await (await fetch(`${base}/hot/1`, { headers: { 'x-skip': '1' } })).text()).toBe('fastify');
      expect(await (await fetch(`${base}/hot/1`, { method: 'POST' })).text()).toBe('fastify');
      expect(await (await fetch(`${base}/cold/1`)).text()).toBe('fastify');
      expect(await (await fetch(`${base}/hotter/1`)).text()).toBe('fastify');
    });
  });

  it('answers a hot route of a fixed path only for that exact target, with an empty rest', async () => {
    const dispatch = rawHotRoutes([route('write', 'POST', '/hot', true)], new Map([[Routes.prototype.write, answering]]));
    await withServer(dispatch, async (base) => {
      const hot = await fetch(`${base}/hot`, { method: 'POST' });
      expect([await hot.text(), hot.headers.get('x-answered-by')]).toEqual(['rest=', 'hot write']);
      for (const target of ['/hot?x=1', '/hot/', '/hotter', '/HOT']) {
        expect(await (await fetch(`${base}${target}`, { method: 'POST' })).text(), target).toBe('fastify');
      }
      expect(await (await fetch(`${base}/hot`)).text()).toBe('fastify');
    });
  });

  it('refuses at boot a hot route without an operation, an operation for a handler not marked hot, and a parameter that is not the last segment', () => {
    expect(() => rawHotRoutes(table, new Map())).toThrow('hot route Routes.write (GET /hot/:id) has no hot operation on the client listener');
    const extra = new Map([[Routes.prototype.write, answering], [Routes.prototype.read, answering]]);
    expect(() => rawHotRoutes(table, extra)).toThrow('hot operations for handlers without @HotRoute(): read');
    for (const path of ['/hot/:id/more', '/hot:id', '/hot/:a/:b']) {
      expect(() => rawHotRoutes([route('write', 'GET', path, true)], new Map([[Routes.prototype.write, answering]]))).toThrow('is a fixed path or ends in its only parameter segment');
    }
  });
});

class Routes {
  @Public() open() {}
  @RequireScope('read') read() {}
  @HotRoute() @RequireScope('write') write() {}
  undeclared() {}
}

@RequireScope('admin')
class AdminRoutes {
  inherited() {}
  @RequireScope('read') own() {}
}

@Public()
class OpenRoutes {
  inherited() {}
  @RequireScope('admin') guarded() {}
}

describe('routeAccess', () => {
  it('handler metadata first, then its class; neither is undeclared', () => {
    expect(routeAccess('client', Routes.prototype.open, Routes)).toEqual({ kind: 'public' });
    expect(routeAccess('client', Routes.prototype.write, Routes)).toEqual({ kind: 'scope', scope: 'write' });
    expect(routeAccess('management', Routes.prototype.undeclared, Routes)).toEqual({ kind: 'undeclared' });
    expect(routeAccess('client', AdminRoutes.prototype.inherited, AdminRoutes)).toEqual({ kind: 'scope', scope: 'admin' });
    expect(routeAccess('client', AdminRoutes.prototype.own, AdminRoutes)).toEqual({ kind: 'scope', scope: 'read' });
  });

  it("a handler's own scope wins over a public class: the class cannot open it", () => {
    expect(routeAccess('client', OpenRoutes.prototype.inherited, OpenRoutes)).toEqual({ kind: 'public' });
    expect(routeAccess('management', OpenRoutes.prototype.guarded, OpenRoutes)).toEqual({ kind: 'scope', scope: 'admin' });
  });

  it('on the dist listener every route takes peer credentials, whatever it declares', () => {
    expect(routeAccess('dist', Routes.prototype.open, Routes)).toEqual({ kind: 'peer' });
    expect(routeAccess('dist', Routes.prototype.read, Routes)).toEqual({ kind: 'peer' });
  });
});
