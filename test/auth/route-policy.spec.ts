import 'reflect-metadata';
import Fastify from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotRoute, Public, RequireScope } from '../../src/auth/auth.decorators.js';
import { type HotOperation, installHotRoutes, type RawHotHandler, rawHotRoutes } from '../../src/auth/hot-routes.js';
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

  it('answers only the hot route\'s method and prefix, with the rest of the target; a declined request goes on', async () => {
    const dispatch = rawHotRoutes(table, new Map([[Routes.prototype.write, answering]]));
    const server = createServer((req, res) => {
      if (!dispatch(req, res)) res.end('fastify');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const hot = await fetch(`${base}/hot/a%2Fb?ttl=1m`);
      expect([await hot.text(), hot.headers.get('x-answered-by')]).toEqual(['rest=a%2Fb?ttl=1m', 'hot write']);
      expect(await (await fetch(`${base}/hot/1`, { headers: { 'x-skip': '1' } })).text()).toBe('fastify');
      expect(await (await fetch(`${base}/hot/1`, { method: 'POST' })).text()).toBe('fastify');
      expect(await (await fetch(`${base}/cold/1`)).text()).toBe('fastify');
      expect(await (await fetch(`${base}/hotter/1`)).text()).toBe('fastify');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses at boot the same mistakes as installHotRoutes, and a hot path that does not end in its only parameter', () => {
    expect(() => rawHotRoutes(table, new Map())).toThrow('hot route Routes.write (GET /hot/:id) has no hot operation on the client listener');
    const extra = new Map([[Routes.prototype.write, answering], [Routes.prototype.read, answering]]);
    expect(() => rawHotRoutes(table, extra)).toThrow('hot operations for handlers without @HotRoute(): read');
    for (const path of ['/hot', '/hot/:id/more']) {
      expect(() => rawHotRoutes([route('write', 'GET', path, true)], new Map([[Routes.prototype.write, answering]]))).toThrow('ends in its only parameter segment');
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

describe('installHotRoutes', () => {
  const route = (handlerName: keyof Routes, method: string, path: string, hot: boolean): RoutePolicy => ({
    listener: 'client',
    controller: Routes,
    handlerName,
    handler: Routes.prototype[handlerName],
    method,
    path,
    access: routeAccess('client', Routes.prototype[handlerName], Routes),
    hot,
  });
  const table = [route('write', 'GET', '/hot/:id', true), route('read', 'GET', '/cold/:id', false)];
  const answering: HotOperation = (policy) => (req, reply, done) => {
    if (req.headers['x-skip'] !== undefined) return done();
    reply.header('x-answered-by', `hot ${policy.handlerName} ${policy.access.kind === 'scope' ? policy.access.scope : ''}`).send('hot');
  };

  it('runs the hook only on the hot route (not its HEAD twin, not other routes); `done()` leaves the request to the route', async () => {
    const fastify = Fastify();
    installHotRoutes(fastify, table, new Map([[Routes.prototype.write, answering]]));
    fastify.get('/hot/:id', async () => 'route');
    fastify.get('/cold/:id', async () => 'route');
    try {
      const hot = await fastify.inject({ method: 'GET', url: '/hot/1' });
      expect([hot.body, hot.headers['x-answered-by']]).toEqual(['hot', 'hot write write']);
      expect((await fastify.inject({ method: 'GET', url: '/hot/1', headers: { 'x-skip': '1' } })).body).toBe('route');
      expect((await fastify.inject({ method: 'GET', url: '/cold/1' })).body).toBe('route');
      expect((await fastify.inject({ method: 'HEAD', url: '/hot/1' })).headers['x-answered-by']).toBeUndefined();
    } finally {
      await fastify.close();
    }
  });

  it('refuses at boot a hot route without an operation, and an operation for a handler not marked hot', () => {
    expect(() => installHotRoutes(Fastify(), table, new Map())).toThrow('hot route Routes.write (GET /hot/:id) has no hot operation on the client listener');
    const extra = new Map([[Routes.prototype.write, answering], [Routes.prototype.read, answering]]);
    expect(() => installHotRoutes(Fastify(), table, extra)).toThrow('hot operations for handlers without @HotRoute(): read');
  });

  it('fails the boot when a hot route is never registered with Fastify', async () => {
    const fastify = Fastify();
    installHotRoutes(fastify, table, new Map([[Routes.prototype.write, answering]]));
    fastify.get('/hot/:other', async () => 'route');
    await expect(fastify.ready()).rejects.toThrow('hot routes never registered: GET /hot/:id');
    await fastify.close().catch(() => undefined);
  });
});
