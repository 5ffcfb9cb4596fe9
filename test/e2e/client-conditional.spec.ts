import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, type RawResponse, send } from '../support/http.js';

const PRECONDITION_FAILED = { error: 'precondition failed', code: 'PRECONDITION_FAILED' };

describe('client API: versions and conditional requests (docs/api.md §1.9, I15)', () => {
  let node: TestNode;
  const put = (key: string, body: string, headers: Record<string, string> = {}) =>
    send(node.api, 'PUT', `/v1/cache/${key}`, { body, headers: { 'content-length': Buffer.byteLength(body), ...headers } });
  const del = (key: string, headers: Record<string, string> = {}) => send(node.api, 'DELETE', `/v1/cache/${key}`, { headers });
  const get = (key: string, headers: Record<string, string> = {}) => send(node.api, 'GET', `/v1/cache/${key}`, { headers });
  const versionOf = (r: RawResponse) => json(r).version as number;

  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('I15: versions of successive writes strictly increase and ETag is "version"', async () => {
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const r = await put('i15', `v${i}`);
      const v = versionOf(r);
      expect(v).toBeGreaterThan(last);
      expect(Number.isSafeInteger(v)).toBe(true);
      expect(r.headers.etag).toBe(`"${v}"`);
      expect((await get('i15')).headers.etag).toBe(`"${v}"`);
      last = v;
    }
    const d = await del('i15');
    expect(versionOf(d)).toBeGreaterThan(last);
  });

  it('I15: If-Match with a stale ETag → 412 with the current ETag, nothing written', async () => {
    const v1 = versionOf(await put('cas', 'one'));
    const v2 = versionOf(await put('cas', 'two', { 'if-match': `"${v1}"` }));
    expect(v2).toBeGreaterThan(v1);
    const stale = await put('cas', 'three', { 'if-match': `"${v1}"` });
    expect(stale.status).toBe(412);
    expect(json(stale)).toEqual(PRECONDITION_FAILED);
    expect(stale.headers.etag).toBe(`"${v2}"`);
    const g = await get('cas');
    expect(g.body.toString()).toBe('two');
    expect(g.headers.etag).toBe(`"${v2}"`);
    // No version was consumed by the failed write.
    expect(versionOf(await put('cas', 'four'))).toBeGreaterThan(v2);
  });

  it('If-Match: * needs a live key; lists match any member; weak tags never match', async () => {
    const missing = await put('cond-new', 'x', { 'if-match': '*' });
    expect(missing.status).toBe(412);
    expect(missing.headers.etag).toBeUndefined();
    const v = versionOf(await put('cond-new', 'x'));
    expect((await put('cond-new', 'y', { 'if-match': '*' })).status).toBe(200);
    const cur = Number((await get('cond-new')).headers['x-cache-version']);
    expect(cur).toBeGreaterThan(v);
    expect((await put('cond-new', 'z', { 'if-match': `"1", "${cur}", "2"` })).status).toBe(200);
    const now = Number((await get('cond-new')).headers['x-cache-version']);
    expect((await put('cond-new', 'w', { 'if-match': `W/"${now}"` })).status).toBe(412);
    expect((await get('cond-new')).body.toString()).toBe('z');
  });

  it('If-None-Match: * on PUT creates only when absent (also after a delete)', async () => {
    const first = await put('lock', 'v1', { 'if-none-match': '*' });
    expect(first.status).toBe(200);
    const second = await put('lock', 'v2', { 'if-none-match': '*' });
    expect(second.status).toBe(412);
    expect(second.headers.etag).toBe(`"${versionOf(first)}"`);
    expect((await get('lock')).body.toString()).toBe('v1');
    await del('lock');
    expect((await put('lock', 'v3', { 'if-none-match': '*' })).status).toBe(200);
  });

  it('both headers present must both hold', async () => {
    const v = versionOf(await put('both', 'x'));
    expect((await put('both', 'y', { 'if-match': `"${v}"`, 'if-none-match': '*' })).status).toBe(412);
    expect((await get('both')).body.toString()).toBe('x');
  });

  it('DELETE honours If-Match and refuses any If-None-Match', async () => {
    const v = versionOf(await put('del-cond', 'x'));
    const stale = await del('del-cond', { 'if-match': `"${v - 1}"` });
    expect(stale.status).toBe(412);
    expect(stale.headers.etag).toBe(`"${v}"`);
    expect((await get('del-cond')).status).toBe(200);
    for (const value of ['*', `"${v}"`]) {
      const r = await del('del-cond', { 'if-none-match': value });
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error: 'invalid If-None-Match header', code: 'BAD_REQUEST' });
    }
    expect((await del('del-cond', { 'if-match': `"${v}"` })).status).toBe(200);
    expect((await del('del-cond', { 'if-match': '*' })).status).toBe(412);
  });

  it('If-None-Match on PUT other than * → 400', async () => {
    for (const value of ['"5"', 'W/"5"']) {
      const r = await put('inm-put', 'x', { 'if-none-match': value });
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error: 'invalid If-None-Match header', code: 'BAD_REQUEST' });
    }
    expect((await get('inm-put')).status).toBe(404);
  });

  it.each(['', 'abc', '"5', '5', '"1" "2"', '*, "1"'])('malformed If-Match %j → 400', async (value) => {
    const r = await put('bad-cond', 'x', { 'if-match': value });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'invalid If-Match header', code: 'BAD_REQUEST' });
    const d = await del('bad-cond', { 'if-match': value });
    expect(json(d)).toEqual({ error: 'invalid If-Match header', code: 'BAD_REQUEST' });
  });

  it('GET/HEAD If-None-Match matching the entry → 304 with ETag and X-Cache-* but no body', async () => {
    const v = versionOf(await put('fresh?ttl=1h', 'payload'));
    for (const value of ['*', `"${v}"`, `"1", "${v}"`]) {
      for (const method of ['GET', 'HEAD']) {
        const r = await send(node.api, method, '/v1/cache/fresh', { headers: { 'if-none-match': value } });
        expect(r.status, `${method} ${value}`).toBe(304);
        expect(r.body.length).toBe(0);
        expect(r.headers.etag).toBe(`"${v}"`);
        expect(r.headers['x-cache-version']).toBe(String(v));
        expect(r.headers['x-cache-node']).toBe('node-test');
        expect(r.headers['x-cache-ttl-ms']).toBeDefined();
      }
    }
    for (const value of [`"${v - 1}"`, `W/"${v}"`]) {
      const r = await get('fresh', { 'if-none-match': value });
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('payload');
    }
    expect((await get('fresh-missing', { 'if-none-match': '*' })).status).toBe(404);
  });

  it('GET with a malformed If-None-Match → 400; HEAD the same without a body', async () => {
    await put('inm-bad', 'x');
    const r = await get('inm-bad', { 'if-none-match': '"unterminated' });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'invalid If-None-Match header', code: 'BAD_REQUEST' });
    const h = await send(node.api, 'HEAD', '/v1/cache/inm-bad', { headers: { 'if-none-match': 'nope' } });
    expect(h.status).toBe(400);
    expect(h.body.length).toBe(0);
  });
});
