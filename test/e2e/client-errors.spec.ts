import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { expectEnvelope, json, rawRequest, type RawResponse, send } from '../support/http.js';

const ROUTE_NOT_FOUND = { error: 'route not found', code: 'NOT_FOUND' };
const MARKER_KEY = 'zebra-secret-key';
const MARKER_VALUE = 'okapi-secret-value';

describe('client API: errors, unknown routes and malformed input', () => {
  let node: TestNode;
  const raw = (head: string, opts?: { halfClose?: boolean }) => rawRequest(node.ports.api, head, opts);

  beforeAll(async () => {
    // info level: anything logged for these requests would show up, and must not hold keys or values.
    node = await startTestNode({ logLevel: 'info', maxValueBytes: 1024 });
    await send(node.api, 'PUT', `/v1/cache/${MARKER_KEY}`, { body: MARKER_VALUE, headers: { 'content-length': MARKER_VALUE.length } });
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each([
    ['GET', '/v1/nope'],
    ['GET', '/'],
    ['GET', '/v1/cache'],
    ['GET', '/v1/cache/a/b'],
    ['POST', '/v1/cache/k'],
    ['PATCH', '/v1/cache/k'],
    ['OPTIONS', '/v1/cache/k'],
    ['POST', '/v1/cache/batch'],
    ['POST', '/v1/cache/batch/merge'],
    ['POST', '/v1/cache/'],
    ['DELETE', '/v1/owners/k'],
    ['GET', '/v1/me/cannot'],
    ['GET', '/metrics'],
    ['GET', '/stats'],
    ['GET', '/health'],
    ['GET', '/v1/nothing%ZZ'],
    ['GET', '/heal%74hz'],
  ])('%s %s → 404 route not found', async (method, path) => {
    const r = await send(node.api, method, path, { headers: { 'content-length': 0 } });
    expect(r.status).toBe(404);
    expect(json(r)).toEqual(ROUTE_NOT_FOUND);
    expect(r.headers['x-cache-node']).toBe('node-test');
  });

  it('X-Cache-Node is on every answer: 200, 304, 400, 404, 412, 413', async () => {
    const version = Number((await send(node.api, 'GET', `/v1/cache/${MARKER_KEY}`)).headers['x-cache-version']);
    const answers = [
      await send(node.api, 'GET', '/healthz'),
      await send(node.api, 'GET', `/v1/cache/${MARKER_KEY}`, { headers: { 'if-none-match': '*' } }),
      await send(node.api, 'GET', '/v1/cache/%ZZ'),
      await send(node.api, 'GET', '/v1/cache/missing'),
      await send(node.api, 'PUT', `/v1/cache/${MARKER_KEY}`, { body: 'x', headers: { 'content-length': 1, 'if-match': `"${version - 1}"` } }),
      await send(node.api, 'PUT', '/v1/cache/k', { body: Buffer.alloc(1025), headers: { 'content-length': 1025 } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 304, 400, 404, 412, 413]);
    for (const a of answers) expect(a.headers['x-cache-node']).toBe('node-test');
  });

  it('answers malformed HTTP the parser refuses with the envelope too', async () => {
    for (const head of [
      `GET /v1/cache/caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `PUT /v1/cache/k HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n`,
      `PUT /v1/cache/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab`,
      `GET /v1/cache/k HTTP/1.1\r\nHost: x\r\nBad Header\r\nConnection: close\r\n\r\n`,
    ]) {
      const r = await raw(head);
      expect(r.status, head).toBe(400);
      expect(JSON.parse(r.body.toString()), head).toEqual({ error: 'bad request', code: 'BAD_REQUEST' });
      expect(r.headers['x-cache-node']).toBe('node-test');
    }
  });

  it('a client that sends less body than declared and gives up gets a 4xx, not a 5xx or a hang', async () => {
    const r = await raw(`PUT /v1/cache/short HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc`, { halfClose: true });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect((await send(node.api, 'GET', '/v1/cache/short')).status).toBe(404);
  });

  it('fuzz: dozens of malformed requests all get a 4xx envelope, and the node serves afterwards', async () => {
    const put = (path: string, headers: Record<string, string> = {}, body = 'v') =>
      send(node.api, 'PUT', path, { body, headers: { 'content-length': Buffer.byteLength(body), ...headers } });
    const post = (op: string, body: string, headers: Record<string, string> = {}) =>
      send(node.api, 'POST', `/v1/cache/batch/${op}`, { body, headers: { 'content-length': Buffer.byteLength(body), ...headers } });
    const get = (path: string, headers: Record<string, string> = {}) => send(node.api, 'GET', path, { headers });
    const attempts: Array<[string, () => Promise<RawResponse>]> = [
      ['key %', () => get('/v1/cache/%')],
      ['key %%', () => put('/v1/cache/%%')],
      ['key %0', () => get('/v1/cache/%0')],
      ['key %g1', () => put('/v1/cache/%g1')],
      ['key %FF%FE', () => get('/v1/cache/%FF%FE')],
      ['key %C3', () => put('/v1/cache/%C3')],
      ['key %F4%90%80%80 (> U+10FFFF)', () => get('/v1/cache/%F4%90%80%80')],
      ['key %ED%B0%80 (lone low surrogate)', () => put('/v1/cache/%ED%B0%80')],
      ['empty key DELETE', () => send(node.api, 'DELETE', '/v1/cache/')],
      ['owners %', () => get('/v1/owners/%')],
      ['ttl 1y', () => put('/v1/cache/f?ttl=1y')],
      ['ttl .s', () => put('/v1/cache/f?ttl=.s')],
      ['ttl .', () => put('/v1/cache/f?ttl=.')],
      ['ttl --1s', () => put('/v1/cache/f?ttl=--1s')],
      ['ttl 1e3s', () => put('/v1/cache/f?ttl=1e3s')],
      ['ttl 100000000000000000000h', () => put('/v1/cache/f?ttl=100000000000000000000h')],
      ['ttl NaN', () => put('/v1/cache/f?ttl=NaN')],
      ['ttl %ZZ', () => put('/v1/cache/f?ttl=%ZZ')],
      ['x-consistency', () => get(`/v1/cache/${MARKER_KEY}`, { 'x-consistency': 'eventual' })],
      ['if-match garbage', () => put('/v1/cache/f', { 'if-match': '"1' })],
      ['if-match W/ only', () => put('/v1/cache/f', { 'if-match': 'W/' })],
      ['if-none-match on delete', () => send(node.api, 'DELETE', '/v1/cache/f', { headers: { 'if-none-match': '*' } })],
      ['if-none-match list on get', () => get(`/v1/cache/${MARKER_KEY}`, { 'if-none-match': '"1",x' })],
      ['batch: nothing', () => post('get', '')],
      ['batch: garbage', () => post('put', '\u0000\u0001')],
      ['batch: number', () => post('delete', '42')],
      ['batch: deep nesting', () => post('get', '['.repeat(100_000))],
      ['batch: items string', () => post('put', '{"items":"x"}')],
      ['batch: keys true', () => post('get', '{"keys":true}')],
      ['batch: invalid UTF-8', () => send(node.api, 'POST', '/v1/cache/batch/get', { body: Buffer.from([0x7b, 0xc3, 0x7d]), headers: { 'content-length': 3 } })],
      ['batch: too many', () => post('delete', JSON.stringify({ keys: Array(1001).fill('k') }))],
      ['batch: too large', () => post('put', 'x'.repeat(4097))],
      ['browser: cursor', () => get('/v1/cache/keys?cursor=%2D1')],
      ['browser: limit', () => get('/v1/cache/keys?limit=0x10')],
      ['browser: max', () => get('/v1/cache/keys?max=%20')],
      ['browser: glob', () => get('/v1/cache/keys?q=%5B%5D')],
      ['browser: glob range', () => get('/v1/cache/keys?q=%5B9-0%5D')],
      ['me/can: unknown', () => get('/v1/me/can?capability=%00')],
      ['value too large', () => put('/v1/cache/f', {}, 'x'.repeat(1025))],
    ];
    for (const [name, attempt] of attempts) {
      const r = await attempt();
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expectEnvelope(r, name);
    }
    // Still serving, and nothing was written by the malformed writes.
    expect((await get('/healthz')).body.toString()).toBe('ok');
    expect((await put('/v1/cache/after-fuzz', {}, 'fine')).status).toBe(200);
    expect((await get('/v1/cache/after-fuzz')).body.toString()).toBe('fine');
    expect((await get('/v1/cache/f')).status).toBe(404);
  });

  it('logged nothing at error level and never a key or value', () => {
    const lines = node.logs.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    for (const line of node.logs) {
      expect(line).not.toContain(MARKER_KEY);
      expect(line).not.toContain(MARKER_VALUE);
    }
  });
});
