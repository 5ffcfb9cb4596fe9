import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, rawRequest, send } from '../support/http.js';
import { hold } from '../support/poll.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const JSON_TYPE = 'application/json; charset=utf-8';
const ENVELOPE_KEY = { error: 'invalid key: must be 1 to 1024 bytes of UTF-8', code: 'BAD_REQUEST' };

describe('client API: single-key values (docs/api.md §1.1–§1.7)', () => {
  let node: TestNode;
  const put = (path: string, body: Buffer | string, headers: Record<string, string | number> = {}) =>
    send(node.api, 'PUT', path, { body, headers: { 'content-length': Buffer.byteLength(body), ...headers } });
  const get = (path: string, headers: Record<string, string> = {}) => send(node.api, 'GET', path, { headers });

  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('PUT answers PutResponse with ETag and X-Cache-Acks; GET returns the raw bytes with metadata headers', async () => {
    const r = await put('/v1/cache/greeting', 'hello');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(JSON_TYPE);
    const body = json(r);
    expect(body).toEqual({ key: 'greeting', stored: true, bytes: 5, version: expect.any(Number), node: 'node-test', owners: ['node-test'] });
    expect(r.headers.etag).toBe(`"${body.version}"`);
    expect(r.headers['x-cache-acks']).toBe('1/1');
    expect(r.headers['x-cache-node']).toBe('node-test');

    const g = await get('/v1/cache/greeting');
    expect(g.status).toBe(200);
    expect(g.body.toString()).toBe('hello');
    expect(g.headers['content-type']).toBe('application/octet-stream');
    expect(g.headers['content-length']).toBe('5');
    expect(g.headers.etag).toBe(`"${body.version}"`);
    expect(g.headers['x-cache-version']).toBe(String(body.version));
    expect(g.headers['x-cache-origin']).toBe('node-test');
    expect(new Date(g.headers['x-cache-last-updated']!).toISOString()).toBe(g.headers['x-cache-last-updated']);
    expect(g.headers['x-cache-owners']).toBe('node-test');
    expect(g.headers['x-cache-node']).toBe('node-test');
    expect(g.headers['x-cache-ttl-ms']).toBeUndefined();
    expect(g.headers['x-cache-expires-at']).toBeUndefined();
  });

  it('GET with Accept containing application/json (any case, anywhere) gives the JSON envelope', async () => {
    await put('/v1/cache/env', 'hello');
    for (const accept of ['application/json', 'text/html, APPLICATION/JSON;q=0.9', 'application/json-seq']) {
      const r = await get('/v1/cache/env', { accept });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe(JSON_TYPE);
      const body = json(r);
      expect(body).toEqual({
        key: 'env', value: 'aGVsbG8=', value_encoding: 'base64', version: expect.any(Number), origin: 'node-test',
        last_updated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), node: 'node-test', owners: ['node-test'],
      });
      expect(r.headers.etag).toBe(`"${body.version}"`);
    }
    for (const accept of ['*/*', 'text/plain', 'application/xml']) {
      const r = await get('/v1/cache/env', { accept });
      expect(r.headers['content-type']).toBe('application/octet-stream');
      expect(r.body.toString()).toBe('hello');
    }
  });

  it('HEAD answers the metadata headers without a body; a missing key is a bare 404', async () => {
    await put('/v1/cache/meta?ttl=1h', 'twelve bytes');
    const h = await send(node.api, 'HEAD', '/v1/cache/meta');
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
    expect(h.headers['content-type']).toBe('application/octet-stream');
    expect(h.headers['content-length']).toBe('12');
    for (const name of ['etag', 'x-cache-version', 'x-cache-origin', 'x-cache-last-updated', 'x-cache-ttl-ms', 'x-cache-expires-at', 'x-cache-owners', 'x-cache-node']) {
      expect(h.headers[name], name).toBeDefined();
    }
    expect(Number(h.headers['x-cache-ttl-ms'])).toBeGreaterThan(3_500_000);

    const missing = await send(node.api, 'HEAD', '/v1/cache/never-written');
    expect(missing.status).toBe(404);
    expect(missing.body.length).toBe(0);
    expect(Object.keys(missing.headers).filter((h) => h.startsWith('x-cache-'))).toEqual(['x-cache-node']);
    expect(missing.headers.etag).toBeUndefined();

    const bad = await send(node.api, 'HEAD', '/v1/cache/%ZZ');
    expect(bad.status).toBe(400);
    expect(bad.body.length).toBe(0);
  });

  it('GET of a missing key is 404 key not found', async () => {
    const r = await get('/v1/cache/never-written');
    expect(r.status).toBe(404);
    expect(json(r)).toEqual({ error: 'key not found', code: 'NOT_FOUND' });
    expect(r.headers['x-cache-node']).toBe('node-test');
  });

  it('DELETE writes a tombstone, is idempotent, and the key reads 404 afterwards', async () => {
    const p = json(await put('/v1/cache/doomed', 'x'));
    const d = await send(node.api, 'DELETE', '/v1/cache/doomed');
    expect(d.status).toBe(200);
    const body = json(d);
    expect(body).toEqual({ key: 'doomed', deleted: true, version: expect.any(Number), node: 'node-test', owners: ['node-test'] });
    expect(body.version as number).toBeGreaterThan(p.version as number);
    expect(d.headers['x-cache-acks']).toBe('1/1');
    expect((await get('/v1/cache/doomed')).status).toBe(404);
    const again = await send(node.api, 'DELETE', '/v1/cache/doomed');
    expect(again.status).toBe(200);
    expect(json(again).version as number).toBeGreaterThan(body.version as number);
    expect((await send(node.api, 'DELETE', '/v1/cache/never-existed')).status).toBe(200);
  });

  describe('keys (docs/api.md §1.2)', () => {
    it('percent-decodes one raw segment: %2F gives a key with / and %20 a space', async () => {
      expect(json(await put('/v1/cache/a%2Fb%20c', 'v')).key).toBe('a/b c');
      expect((await get('/v1/cache/a%2Fb%20c')).body.toString()).toBe('v');
      expect(json(await get('/v1/cache/a%2fb%20c', { accept: 'application/json' })).key).toBe('a/b c');
      expect((await get('/v1/cache/a/b%20c')).status).toBe(404);
    });

    it('round-trips UTF-8 keys and keys made of reserved characters', async () => {
      const keys = ['café', '😀 emoji', "~!$&'()*+,;=:@", '%', '?#[]', 'Key-Case'];
      for (const [i, key] of keys.entries()) {
        const r = await put(`/v1/cache/${encodeURIComponent(key)}`, `v${i}`);
        expect(json(r).key).toBe(key);
      }
      for (const [i, key] of keys.entries()) {
        expect((await get(`/v1/cache/${encodeURIComponent(key)}`)).body.toString()).toBe(`v${i}`);
      }
      expect((await get('/v1/cache/key-case')).status).toBe(404);
    });

    it('accepts exactly 1024 bytes and refuses 1025', async () => {
      const key = 'é'.repeat(512);
      expect((await put(`/v1/cache/${encodeURIComponent(key)}`, 'v')).status).toBe(200);
      expect(json(await get(`/v1/cache/${encodeURIComponent(key)}`, { accept: 'application/json' })).key).toBe(key);
      const r = await put(`/v1/cache/${encodeURIComponent(`${key}x`)}`, 'v');
      expect(r.status).toBe(400);
      expect(json(r)).toEqual(ENVELOPE_KEY);
    });

    it.each([
      ['empty', '/v1/cache/'],
      ['bad escape', '/v1/cache/%ZZ'],
      ['truncated escape', '/v1/cache/ab%4'],
      ['lone %', '/v1/cache/%'],
      ['invalid UTF-8', '/v1/cache/%C3%28'],
      ['overlong UTF-8', '/v1/cache/%C0%AF'],
      ['encoded surrogate', '/v1/cache/%ED%A0%80'],
      ['too long', `/v1/cache/${'k'.repeat(1025)}`],
      ['very long', `/v1/cache/${'%41'.repeat(3000)}`],
    ])('%s key → 400 on PUT, GET, HEAD and DELETE', async (_name, path) => {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const r = await rawRequest(node.ports.api, `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        expect(r.status, method).toBe(400);
        expect(JSON.parse(r.body.toString()), method).toEqual(ENVELOPE_KEY);
        expect(r.headers['x-cache-node']).toBe('node-test');
      }
      const h = await rawRequest(node.ports.api, `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(h.status).toBe(400);
    });

    it('PUT/DELETE /v1/cache/keys act on the key "keys"; GET is the browser', async () => {
      expect(json(await put('/v1/cache/keys', 'not a browser')).key).toBe('keys');
      const browse = await get('/v1/cache/keys?q=keys');
      expect(json(browse).keys).toEqual(['keys']);
      expect((await send(node.api, 'DELETE', '/v1/cache/keys')).status).toBe(200);
      expect(json(await get('/v1/cache/keys?q=keys')).keys).toEqual([]);
    });

    it('`batch` is reserved only under POST', async () => {
      expect(json(await put('/v1/cache/batch', 'b')).key).toBe('batch');
      expect((await get('/v1/cache/batch')).body.toString()).toBe('b');
    });
  });

  describe('I1 byte-exactness', () => {
    const contentTypes: Array<[string, Record<string, string>]> = [
      ['octet-stream', { 'content-type': 'application/octet-stream' }],
      ['form-urlencoded (curl --data)', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['JSON', { 'content-type': 'application/json' }],
      ['text', { 'content-type': 'text/plain; charset=utf-8' }],
      ['image', { 'content-type': 'image/png' }],
      ['malformed type', { 'content-type': 'not a media type' }],
      ['no content type', {}],
    ];

    it.each(contentTypes)('all 256 byte values via %s read back identical, raw and base64', async (name, headers) => {
      const key = `bytes-${name.replace(/\W+/g, '-')}`;
      const r = await put(`/v1/cache/${key}`, ALL_BYTES, headers);
      expect(r.status).toBe(200);
      expect(json(r).bytes).toBe(256);
      const raw = await get(`/v1/cache/${key}`);
      expect(raw.body.equals(ALL_BYTES)).toBe(true);
      const env = json(await get(`/v1/cache/${key}`, { accept: 'application/json' }));
      expect(Buffer.from(env.value as string, 'base64').equals(ALL_BYTES)).toBe(true);
    });

    it('a form body and a JSON body are stored verbatim, never parsed', async () => {
      const form = 'a=b&c=d%20e+f&=&x';
      await put('/v1/cache/form', form, { 'content-type': 'application/x-www-form-urlencoded' });
      expect((await get('/v1/cache/form')).body.toString()).toBe(form);
      const doc = '{"not":"parsed", "dup":1, "dup":2}';
      await put('/v1/cache/doc', doc, { 'content-type': 'application/json' });
      expect((await get('/v1/cache/doc')).body.toString()).toBe(doc);
    });

    it('stores an empty value', async () => {
      expect(json(await put('/v1/cache/empty', Buffer.alloc(0))).bytes).toBe(0);
      const raw = await get('/v1/cache/empty');
      expect(raw.status).toBe(200);
      expect(raw.body.length).toBe(0);
      expect(raw.headers['content-length']).toBe('0');
      expect(json(await get('/v1/cache/empty', { accept: 'application/json' })).value).toBe('');
      const noBody = await send(node.api, 'PUT', '/v1/cache/empty-no-length');
      expect(json(noBody).bytes).toBe(0);
    });

    it('a chunked body (no Content-Length) is stored whole', async () => {
      const chunked = `PUT /v1/cache/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n`;
      expect((await rawRequest(node.ports.api, chunked)).status).toBe(200);
      expect((await get('/v1/cache/chunked')).body.toString()).toBe('abcdefg');
    });

    it('accepts exactly MAX_VALUE_BYTES and refuses one more with 413', async () => {
      const max = node.core.config.maxValueBytes;
      const big = Buffer.alloc(max, 0xab);
      big[0] = 1;
      big[max - 1] = 2;
      expect(json(await put('/v1/cache/big', big)).bytes).toBe(max);
      expect((await get('/v1/cache/big')).body.equals(big)).toBe(true);
      const env = json(await get('/v1/cache/big', { accept: 'application/json' }));
      expect(Buffer.from(env.value as string, 'base64').equals(big)).toBe(true);

      const over = await put('/v1/cache/big', Buffer.alloc(max + 1));
      expect(over.status).toBe(413);
      expect(json(over)).toEqual({ error: `value exceeds ${max} bytes`, code: 'PAYLOAD_TOO_LARGE' });
      expect((await get('/v1/cache/big')).body.equals(big)).toBe(true);
    });

    it('refuses a declared Content-Length over the limit without reading the body', async () => {
      const max = node.core.config.maxValueBytes;
      const r = await rawRequest(node.ports.api, `PUT /v1/cache/k HTTP/1.1\r\nHost: x\r\nContent-Length: ${max + 1}\r\nConnection: close\r\n\r\n`);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body.toString())).toEqual({ error: `value exceeds ${max} bytes`, code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  describe('ttl (docs/api.md §1.3)', () => {
    it('returns ttl_ms and expires_at; GET shows the remaining time', async () => {
      const before = Date.now();
      const r = json(await put('/v1/cache/ttl-5m?ttl=5m', 'x'));
      expect(r.ttl_ms).toBe(300_000);
      const expiresAt = Date.parse(r.expires_at as string);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
      const env = json(await get('/v1/cache/ttl-5m', { accept: 'application/json' }));
      expect(env.expires_at).toBe(r.expires_at);
      expect(env.ttl_ms as number).toBeGreaterThan(290_000);
      expect(env.ttl_ms as number).toBeLessThanOrEqual(300_000);
    });

    it.each(['', '0', '0s'])('ttl=%j means no expiry', async (ttl) => {
      const r = json(await put(`/v1/cache/no-ttl?ttl=${ttl}`, 'x'));
      expect(r.ttl_ms).toBeUndefined();
      expect(r.expires_at).toBeUndefined();
      expect('ttl_ms' in json(await get('/v1/cache/no-ttl', { accept: 'application/json' }))).toBe(false);
    });

    it('an overwrite without ttl clears the expiry', async () => {
      await put('/v1/cache/ttl-cleared?ttl=1h', 'x');
      await put('/v1/cache/ttl-cleared', 'y');
      expect((await get('/v1/cache/ttl-cleared')).headers['x-cache-ttl-ms']).toBeUndefined();
    });

    it.each([
      ['abc', 'invalid ttl: invalid duration'],
      ['10', 'invalid ttl: missing unit'],
      ['1d', 'invalid ttl: unknown unit "d"'],
      ['-1s', 'invalid ttl: must not be negative'],
      ['500us', 'invalid ttl: must be at least 1ms'],
      ['87601h', 'invalid ttl: must be at most 87600h'],
    ])('ttl=%s → 400 %s', async (ttl, error) => {
      const r = await put(`/v1/cache/bad-ttl?ttl=${encodeURIComponent(ttl)}`, 'x');
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
      expect((await get('/v1/cache/bad-ttl')).status).toBe(404);
    });

    it('I12: ttl=2s counts down strictly and reads 404 from expires_at on, without extending it', async () => {
      const r = json(await put('/v1/cache/i12?ttl=2s', 'x'));
      const expiresAt = Date.parse(r.expires_at as string);
      const samples: Array<{ startedAt: number; status: number; ttl?: number; expiresAt?: string }> = [];
      while (Date.now() < expiresAt + 600) {
        const startedAt = Date.now();
        const g = await get('/v1/cache/i12', { accept: 'application/json' });
        const body = g.status === 200 ? json(g) : {};
        samples.push({ startedAt, status: g.status, ttl: body.ttl_ms as number, expiresAt: body.expires_at as string });
        await hold(400, 'the gap between samples of the shrinking TTL');
      }
      const found = samples.filter((s) => s.status === 200);
      expect(found.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < found.length; i++) expect(found[i]!.ttl!).toBeLessThan(found[i - 1]!.ttl!);
      for (const s of found) {
        expect(s.ttl!).toBeGreaterThanOrEqual(1);
        expect(s.expiresAt).toBe(r.expires_at);
        expect(s.startedAt).toBeLessThan(expiresAt);
      }
      for (const s of samples.filter((x) => x.startedAt >= expiresAt)) expect(s.status).toBe(404);
      expect(samples.at(-1)!.status).toBe(404);
    });
  });

  describe('X-Consistency (docs/cluster.md §3)', () => {
    it('accepts one, quorum and all in any case on reads and writes', async () => {
      for (const level of ['one', 'QUORUM', 'All']) {
        expect((await put('/v1/cache/xc', 'v', { 'x-consistency': level })).status).toBe(200);
        expect((await get('/v1/cache/xc', { 'x-consistency': level })).status).toBe(200);
        expect((await send(node.api, 'DELETE', '/v1/cache/xc', { headers: { 'x-consistency': level } })).status).toBe(200);
      }
    });

    it.each(['two', '', 'one,all'])('rejects %j with 400', async (level) => {
      const expected = { error: 'invalid X-Consistency: expected one, quorum or all', code: 'BAD_REQUEST' };
      expect(json(await put('/v1/cache/xc', 'v', { 'x-consistency': level }))).toEqual(expected);
      expect(json(await get('/v1/cache/xc', { 'x-consistency': level }))).toEqual(expected);
      expect(json(await send(node.api, 'DELETE', '/v1/cache/xc', { headers: { 'x-consistency': level } }))).toEqual(expected);
    });
  });
});
