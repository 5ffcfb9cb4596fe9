import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, rawRequest, send } from '../support/http.js';

const UNAUTHORIZED = { error: 'unauthorized', code: 'UNAUTHORIZED' };
const AUTH = { authorization: 'Bearer dev-token' };

/** Every scoped route of the client API (docs/auth.md §3.1). */
const SCOPED: Array<[string, string]> = [
  ['GET', '/v1/cache/k'],
  ['HEAD', '/v1/cache/k'],
  ['PUT', '/v1/cache/k'],
  ['DELETE', '/v1/cache/k'],
  ['GET', '/v1/cache/keys'],
  ['POST', '/v1/cache/batch/get'],
  ['POST', '/v1/cache/batch/put'],
  ['POST', '/v1/cache/batch/delete'],
  ['GET', '/v1/owners/k'],
  ['GET', '/v1/me'],
  ['GET', '/v1/me/can?capability=cache.read'],
];

describe('client API in closed mode (HYPERCACHE_AUTH_TOKEN, docs/auth.md)', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ authToken: 'dev-token' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(SCOPED)('%s %s without credentials → 401 with WWW-Authenticate', async (method, path) => {
    const r = await send(node.api, method, path, { headers: { 'content-length': 0 } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(r.headers['x-cache-node']).toBe('node-test');
    if (method !== 'HEAD') expect(json(r)).toEqual(UNAUTHORIZED);
  });

  it.each([
    ['wrong token', 'Bearer nope'],
    ['lower-case scheme', 'bearer dev-token'],
    ['two spaces', 'Bearer  dev-token'],
    ['basic', 'Basic ZGV2LXRva2Vu'],
  ])('%s → 401', async (_name, authorization) => {
    const r = await send(node.api, 'GET', '/v1/me', { headers: { authorization } });
    expect(r.status).toBe(401);
    expect(json(r)).toEqual(UNAUTHORIZED);
  });

  it('the legacy token resolves to identity default with every scope', async () => {
    const r = await send(node.api, 'GET', '/v1/me', { headers: AUTH });
    expect(json(r)).toEqual({ id: 'default', scopes: ['read', 'write', 'admin'], capabilities: ['cache.read', 'cache.write', 'cache.admin'] });
    expect(json(await send(node.api, 'GET', '/v1/me/can?capability=cache.admin', { headers: AUTH }))).toEqual({ capability: 'cache.admin', allowed: true });
    const put = await send(node.api, 'PUT', '/v1/cache/k', { body: 'v', headers: { ...AUTH, 'content-length': 1 } });
    expect(put.status).toBe(200);
    expect((await send(node.api, 'GET', '/v1/cache/k', { headers: AUTH })).body.toString()).toBe('v');
  });

  it('/healthz stays public and ignores credentials', async () => {
    expect((await send(node.api, 'GET', '/healthz')).status).toBe(200);
    expect((await send(node.api, 'GET', '/healthz', { headers: { authorization: 'Bearer wrong' } })).status).toBe(200);
  });

  it('authentication precedes the body: an oversized unauthenticated PUT is 401, not 413, and nothing is read', async () => {
    const max = node.core.config.maxValueBytes;
    const head = (auth: string) =>
      `PUT /v1/cache/big HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${max + 1}\r\nConnection: close\r\n\r\n`;
    const anon = await rawRequest(node.ports.api, head(''));
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body.toString())).toEqual(UNAUTHORIZED);
    const authed = await rawRequest(node.ports.api, head('Authorization: Bearer dev-token\r\n'));
    expect(authed.status).toBe(413);
    // A full oversized body sent by fetch gets the same 401.
    const r = await fetch(`${node.api}/v1/cache/big`, { method: 'PUT', body: new Uint8Array(max + 1) });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual(UNAUTHORIZED);
  });

  it('authentication precedes validation: bad keys, ttl and batch JSON without credentials are 401', async () => {
    for (const path of ['/v1/cache/%ZZ', '/v1/cache/', '/v1/cache/k?ttl=bogus', '/v1/owners/%ZZ', '/v1/cache/keys?limit=0']) {
      const method = path.includes('ttl') ? 'PUT' : 'GET';
      const r = await send(node.api, method, path, { headers: { 'content-length': 0 } });
      expect(r.status, path).toBe(401);
    }
    const batch = await send(node.api, 'POST', '/v1/cache/batch/put', { body: '{not json', headers: { 'content-length': 9 } });
    expect(batch.status).toBe(401);
    const can = await send(node.api, 'GET', '/v1/me/can');
    expect(can.status).toBe(401);
  });

  it('route matching precedes authentication: unknown routes are 404 without credentials', async () => {
    for (const [method, path] of [['GET', '/v1/nope'], ['POST', '/v1/cache/k'], ['GET', '/v1/cache/a/b'], ['GET', '/metrics']]) {
      const r = await send(node.api, method!, path!, { headers: { 'content-length': 0 } });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(json(r)).toEqual({ error: 'route not found', code: 'NOT_FOUND' });
    }
  });

  it('with credentials, validation errors surface as usual', async () => {
    const r = await send(node.api, 'GET', '/v1/cache/%ZZ', { headers: AUTH });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'invalid key: must be 1 to 1024 bytes of UTF-8', code: 'BAD_REQUEST' });
  });

  it('auth failures are counted, not logged per request', async () => {
    expect([...node.core.node.counters.authFailures.entries()]).toContainEqual(['client|unauthenticated', expect.any(Number)]);
    expect(node.logs.filter((l) => l.includes('unauthorized'))).toEqual([]);
  });
});
