import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListenerName } from '../../src/auth/scope.guard.js';
import type { Scope } from '../../src/auth/scopes.js';
import { parseAuthConfig } from '../../src/config/auth-config.js';
import { RouteRecorder } from '../../src/openapi/route-recorder.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/**
 * docs/auth.md §3.1 / I17, over the routes the running apps actually registered: every public route
 * answers without credentials, every other one answers 401 without a valid credential and 403 to
 * each single-scope token that lacks its scope; the dist listener wants the peer token.
 */
const SECTION_3_7: Record<'client' | 'management', Partial<Record<Scope | 'public', string[]>>> = {
  client: {
    public: ['GET /healthz', 'GET /v1/openapi.yaml', 'GET /docs'],
    read: [
      'GET /v1/cache/{key}', 'HEAD /v1/cache/{key}', 'GET /v1/cache/keys', 'POST /v1/cache/batch/get',
      'GET /v1/owners/{key}', 'GET /v1/me', 'GET /v1/me/can', 'GET /v1/topology',
    ],
    write: ['PUT /v1/cache/{key}', 'DELETE /v1/cache/{key}', 'POST /v1/cache/batch/put', 'POST /v1/cache/batch/delete'],
  },
  management: {
    public: ['GET /health', 'GET /health/live', 'GET /health/ready'],
    read: [
      'GET /stats', 'GET /config', 'GET /metrics', 'GET /openapi.yaml', 'GET /dist/metrics', 'GET /dist/owners',
      'GET /cluster/members', 'GET /cluster/ring', 'GET /cluster/heartbeat', 'GET /cluster/events',
    ],
    admin: ['POST /dist/drain', 'POST /evict', 'POST /trigger-expiration', 'POST /clear'],
  },
};

const TOKENS: Record<Scope, string> = { read: 'matrix-read', write: 'matrix-write', admin: 'matrix-admin' };
const PEER_TOKEN = 'matrix-peer';
const AUTH_FILE = parseAuthConfig(
  JSON.stringify({ tokens: Object.fromEntries(Object.entries(TOKENS).map(([scope, token]) => [token, { id: `only-${scope}`, scopes: [scope] }])) }),
  { oidcEnabled: false },
);

/** Expected scope per `METHOD /path` (OpenAPI path syntax); null = public. */
function expected(listener: 'client' | 'management'): Map<string, Scope | null> {
  const rows = new Map<string, Scope | null>();
  for (const [scope, routes] of Object.entries(SECTION_3_7[listener])) {
    for (const route of routes) rows.set(route, scope === 'public' ? null : (scope as Scope));
  }
  return rows;
}

/** The routes a listener registered, minus Fastify's HEAD twins (RouteRecorder) and the explorer's `/docs/*` assets. */
function registered(node: TestNode, listener: ListenerName): string[] {
  const routes = node.apps[listener]
    .get(RouteRecorder, { strict: false })
    .routes()
    .filter((r) => !r.url.startsWith('/docs/'))
    .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  // Drain changes the node for every later request: it goes last.
  return [...new Set(routes)].sort((a, b) => Number(a === 'POST /dist/drain') - Number(b === 'POST /dist/drain'));
}

/** Status of one cheap request; the response is dropped once its head arrives (the SSE stream never ends). */
function statusOf(base: string, route: string, authorization?: string): Promise<number> {
  const [method, template] = route.split(' ') as [string, string];
  const path = template.replace('{key}', 'matrix-key');
  const body = method === 'PUT' ? 'v' : '';
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: false,
        headers: { 'content-length': body.length, ...(authorization ? { authorization } : {}) },
      },
      (res) => {
        resolve(res.statusCode!);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const CREDENTIALS: Array<[name: string, authorization: string | undefined, scope: Scope | undefined]> = [
  ['no credentials', undefined, undefined],
  ['a wrong token', 'Bearer matrix-wrong', undefined],
  ...Object.entries(TOKENS).map(([scope, token]): [string, string, Scope] => [`the ${scope}-only token`, `Bearer ${token}`, scope as Scope]),
];

describe('per-route scope matrix (docs/auth.md §3.1, I17)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ authConfigFile: 'matrix.json', distToken: PEER_TOKEN }, { authFile: AUTH_FILE });
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(['client', 'management'] as const)('%s: the registered routes are exactly the docs/auth.md §3.1 rows', (listener) => {
    expect(registered(node, listener).sort()).toEqual([...expected(listener).keys()].sort());
  });

  it.each(['client', 'management'] as const)('%s: every route × every credential', async (listener) => {
    const base = listener === 'client' ? node.api : node.mgmt;
    const table = expected(listener);
    const wrong: string[] = [];
    for (const route of registered(node, listener)) {
      const scope = table.get(route);
      expect(scope, `${route} is registered but missing from the docs/auth.md §3.1 table`).not.toBeUndefined();
      for (const [name, authorization, held] of CREDENTIALS) {
        const status = await statusOf(base, route, authorization);
        const want = scope === null ? 'served' : held === undefined ? 401 : held === scope ? 'served' : 403;
        const ok = want === 'served' ? status !== 401 && status !== 403 : status === want;
        if (!ok) wrong.push(`${route} with ${name}: ${status}, expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('dist: every route wants the peer token; client tokens do not count', async () => {
    const routes = registered(node, 'dist');
    expect(routes).toContain('GET /health');
    const wrong: string[] = [];
    for (const route of routes) {
      for (const [name, authorization] of [...CREDENTIALS, ['the peer token', `Bearer ${PEER_TOKEN}`] as const]) {
        const status = await statusOf(node.dist, route, authorization);
        const ok = authorization === `Bearer ${PEER_TOKEN}` ? status !== 401 && status !== 403 : status === 401;
        if (!ok) wrong.push(`${route} with ${name}: ${status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
