import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, rawRequest, send } from '../support/http.js';

type Result = Record<string, unknown>;
const MAX_VALUE = 16_384;

describe('client API: batch operations (docs/api.md §1.11)', () => {
  let node: TestNode;
  const post = (op: string, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return send(node.api, 'POST', `/v1/cache/batch/${op}`, {
      body: text,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
    });
  };
  const results = async (op: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await post(op, body, headers);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const b = json<{ results: Result[]; node: string }>(r);
    expect(b.node).toBe('node-test');
    return b.results;
  };

  beforeAll(async () => {
    node = await startTestNode({ maxValueBytes: MAX_VALUE });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('put (utf8 + base64), get and delete round-trip, results in request order', async () => {
    const put = await results('put', {
      items: [
        { key: 'greet-en', value: 'hello', ttl_ms: 60_000 },
        { key: 'greet-bin', value: 'd29ybGQ=', value_encoding: 'base64' },
        { key: 'greet-utf8', value: 'héllo', value_encoding: 'utf8' },
      ],
    });
    expect(put).toEqual([
      { key: 'greet-en', stored: true, bytes: 5, version: expect.any(Number), acks: 1, owners: ['node-test'] },
      { key: 'greet-bin', stored: true, bytes: 5, version: expect.any(Number), acks: 1, owners: ['node-test'] },
      { key: 'greet-utf8', stored: true, bytes: 6, version: expect.any(Number), acks: 1, owners: ['node-test'] },
    ]);
    expect((await send(node.api, 'GET', '/v1/cache/greet-bin')).body.toString()).toBe('world');

    const got = await results('get', { keys: ['greet-en', 'missing', 'greet-bin'] });
    expect(got[0]).toEqual({
      key: 'greet-en', found: true, value: 'aGVsbG8=', value_encoding: 'base64', ttl_ms: expect.any(Number),
      expires_at: expect.any(String), version: put[0]!.version, origin: 'node-test', last_updated: expect.any(String), owners: ['node-test'],
    });
    expect(got[0]!.ttl_ms as number).toBeLessThanOrEqual(60_000);
    expect(got[1]).toEqual({ key: 'missing', found: false });
    expect(got[2]).toMatchObject({ key: 'greet-bin', found: true, value: 'd29ybGQ=', version: put[1]!.version });
    expect('ttl_ms' in got[2]!).toBe(false);
    expect('expires_at' in got[2]!).toBe(false);

    const del = await results('delete', { keys: ['greet-en', 'never-there'] });
    expect(del).toEqual([
      { key: 'greet-en', deleted: true, version: expect.any(Number), acks: 1, owners: ['node-test'] },
      { key: 'never-there', deleted: true, version: expect.any(Number), acks: 1, owners: ['node-test'] },
    ]);
    expect((await results('get', { keys: ['greet-en'] }))[0]).toEqual({ key: 'greet-en', found: false });
  });

  it('a batch-get value + value_encoding feeds back into batch put unchanged (all 256 bytes, empty)', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await send(node.api, 'PUT', '/v1/cache/bin', { body: all, headers: { 'content-length': 256 } });
    await send(node.api, 'PUT', '/v1/cache/nil', { body: Buffer.alloc(0), headers: { 'content-length': 0 } });
    const [bin, nil] = await results('get', { keys: ['bin', 'nil'] });
    expect(nil!.value).toBe('');
    const copy = await results('put', {
      items: [
        { key: 'bin-copy', value: bin!.value, value_encoding: bin!.value_encoding },
        { key: 'nil-copy', value: nil!.value, value_encoding: nil!.value_encoding },
      ],
    });
    expect(copy.map((c) => c.bytes)).toEqual([256, 0]);
    expect((await send(node.api, 'GET', '/v1/cache/bin-copy')).body.equals(all)).toBe(true);
    expect((await send(node.api, 'GET', '/v1/cache/nil-copy')).body.length).toBe(0);
  });

  it('a value read through batch get matches the single GET (keys literally named "keys")', async () => {
    await results('put', { items: [{ key: 'keys', value: 'only via batch' }] });
    const [r] = await results('get', { keys: ['keys'] });
    expect(Buffer.from(r!.value as string, 'base64').toString()).toBe('only via batch');
  });

  it('same-key elements apply in request order; duplicates are not collapsed', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ key: i % 2 ? 'dup-a' : 'dup-b', value: `v${i}` }));
    const put = await results('put', { items });
    expect(put).toHaveLength(50);
    const versionsA = put.filter((r) => r.key === 'dup-a').map((r) => r.version as number);
    expect(versionsA).toEqual([...versionsA].sort((x, y) => x - y));
    expect(new Set(versionsA).size).toBe(versionsA.length);
    expect((await send(node.api, 'GET', '/v1/cache/dup-a')).body.toString()).toBe('v49');
    expect((await send(node.api, 'GET', '/v1/cache/dup-b')).body.toString()).toBe('v48');
  });

  it('per-item validation failures never fail the batch (every message of the table)', async () => {
    const put = await results('put', {
      items: [
        'not-an-object',
        null,
        { value: 'no key' },
        { key: '', value: 'x' },
        { key: 'k'.repeat(1025), value: 'x' },
        { key: 'novalue' },
        { key: 'numvalue', value: 42 },
        { key: 'enc', value: 'x', value_encoding: 'hex' },
        { key: 'b64', value: 'not base64!', value_encoding: 'base64' },
        { key: 'b64-nopad', value: 'aGVsbG8', value_encoding: 'base64' },
        { key: 'b64-url', value: '-_-_', value_encoding: 'base64' },
        { key: 'huge', value: 'x'.repeat(MAX_VALUE + 1) },
        { key: 'huge64', value: Buffer.alloc(MAX_VALUE + 1).toString('base64'), value_encoding: 'base64' },
        { key: 'ttl-neg', value: 'x', ttl_ms: -1 },
        { key: 'ttl-frac', value: 'x', ttl_ms: 0.5 },
        { key: 'ttl-str', value: 'x', ttl_ms: '1000' },
        { key: 'ttl-big', value: 'x', ttl_ms: 315_360_000_001 },
        { key: 'fine', value: 'x'.repeat(MAX_VALUE), ttl_ms: 315_360_000_000 },
      ],
    });
    const bad = (key: string, error: string) => ({ key, stored: false, error, code: 'BAD_REQUEST' });
    expect(put).toEqual([
      bad('', 'missing or invalid key'),
      bad('', 'missing or invalid key'),
      bad('', 'missing or invalid key'),
      bad('', 'missing or invalid key'),
      bad('k'.repeat(1025), 'missing or invalid key'),
      bad('novalue', 'missing or invalid value'),
      bad('numvalue', 'missing or invalid value'),
      bad('enc', 'unknown value_encoding'),
      bad('b64', 'invalid base64 value'),
      bad('b64-nopad', 'invalid base64 value'),
      bad('b64-url', 'invalid base64 value'),
      { key: 'huge', stored: false, error: `value exceeds ${MAX_VALUE} bytes`, code: 'PAYLOAD_TOO_LARGE' },
      { key: 'huge64', stored: false, error: `value exceeds ${MAX_VALUE} bytes`, code: 'PAYLOAD_TOO_LARGE' },
      bad('ttl-neg', 'invalid ttl_ms'),
      bad('ttl-frac', 'invalid ttl_ms'),
      bad('ttl-str', 'invalid ttl_ms'),
      bad('ttl-big', 'invalid ttl_ms'),
      { key: 'fine', stored: true, bytes: MAX_VALUE, version: expect.any(Number), acks: 1, owners: ['node-test'] },
    ]);
    expect((await send(node.api, 'GET', '/v1/cache/novalue')).status).toBe(404);
  });

  it('get/delete: non-string elements and invalid keys get BAD_REQUEST results with key ""', async () => {
    const expected = (key: string, flag: string) => ({ key, [flag]: false, error: 'missing or invalid key', code: 'BAD_REQUEST' });
    const body = { keys: [42, null, { k: 1 }, '', 'k'.repeat(1025), 'a\ud800'] };
    const keysOut = ['', '', '', '', 'k'.repeat(1025), 'a\ud800'];
    const got = await results('get', body);
    expect(got).toEqual(keysOut.map((k) => expected(k, 'found')));
    const del = await results('delete', body);
    expect(del).toEqual(keysOut.map((k) => expected(k, 'deleted')));
  });

  it('keys/items null or absent count as empty', async () => {
    expect(await results('get', { keys: null })).toEqual([]);
    expect(await results('get', {})).toEqual([]);
    expect(await results('put', { items: null })).toEqual([]);
    expect(await results('delete', { other: 1 })).toEqual([]);
  });

  it('the body is JSON whatever the Content-Type (or none)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'garbage']) {
      const r = await send(node.api, 'POST', '/v1/cache/batch/get', { body: '{"keys":["bin"]}', headers: { 'content-type': type, 'content-length': 16 } });
      expect(r.status).toBe(200);
      expect(json<{ results: Result[] }>(r).results[0]!.found).toBe(true);
    }
    const none = await send(node.api, 'POST', '/v1/cache/batch/get', { body: '{"keys":["bin"]}', headers: { 'content-length': 16 } });
    expect(json<{ results: Result[] }>(none).results[0]!.found).toBe(true);
  });

  it.each([
    ['empty body', '', 'invalid JSON body: syntax error'],
    ['not JSON', 'keys=a', 'invalid JSON body: syntax error'],
    ['truncated', '{"keys":["a"', 'invalid JSON body: syntax error'],
    ['array top level', '["a"]', 'invalid JSON body: top level must be an object'],
    ['string top level', '"a"', 'invalid JSON body: top level must be an object'],
    ['keys not an array', '{"keys":"a"}', 'invalid JSON body: "keys" must be an array'],
    ['keys an object', '{"keys":{"0":"a"}}', 'invalid JSON body: "keys" must be an array'],
  ])('%s → 400 %s', async (_name, body, error) => {
    for (const op of ['get', 'delete']) {
      const r = await post(op, body);
      expect(r.status).toBe(400);
      expect(json<{ error: string; code: string }>(r).error.startsWith(error)).toBe(true);
      expect(json(r).code).toBe('BAD_REQUEST');
    }
  });

  it('put: items not an array → 400', async () => {
    const r = await post('put', '{"items":{"key":"a","value":"b"}}');
    expect(json(r)).toEqual({ error: 'invalid JSON body: "items" must be an array', code: 'BAD_REQUEST' });
  });

  it('more than 1000 elements → 400; exactly 1000 is fine', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `bulk-${i}`);
    for (const [op, body] of [['get', { keys }], ['delete', { keys }], ['put', { items: keys.map((key) => ({ key, value: 'v' })) }]] as const) {
      const r = await post(op, body);
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error: 'batch exceeds 1000 items', code: 'BAD_REQUEST' });
    }
    const put = await results('put', { items: keys.slice(0, 1000).map((key) => ({ key, value: 'v' })) });
    expect(put.every((r) => r.stored === true)).toBe(true);
    expect(await results('get', { keys: keys.slice(0, 1000) })).toHaveLength(1000);
  });

  it('a body over 4 × MAX_VALUE_BYTES → 413, declared or streamed', async () => {
    const limit = 4 * MAX_VALUE;
    const expected = { error: `request body exceeds ${limit} bytes`, code: 'PAYLOAD_TOO_LARGE' };
    const big = JSON.stringify({ items: [{ key: 'big', value: 'x'.repeat(limit) }] });
    const r = await post('put', big);
    expect(r.status).toBe(413);
    expect(json(r)).toEqual(expected);
    const declared = await rawRequest(node.ports.api, `POST /v1/cache/batch/get HTTP/1.1\r\nHost: x\r\nContent-Length: ${limit + 1}\r\nConnection: close\r\n\r\n`);
    expect(declared.status).toBe(413);
    const chunk = 'x'.repeat(limit / 2);
    const streamed = await rawRequest(
      node.ports.api,
      `POST /v1/cache/batch/delete HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n',
    );
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body.toString())).toEqual(expected);
    // Exactly at the limit is accepted (and the item is then too large on its own).
    const exact = JSON.stringify({ items: [{ key: 'edge', value: 'x'.repeat(limit - 37) }] });
    expect(Buffer.byteLength(exact)).toBe(limit);
    const ok = await results('put', exact);
    expect(ok[0]).toMatchObject({ key: 'edge', stored: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('X-Consistency applies to every item; a bad value fails the whole request', async () => {
    expect((await results('put', { items: [{ key: 'xc', value: 'v' }] }, { 'x-consistency': 'ALL' }))[0]!.stored).toBe(true);
    expect((await results('get', { keys: ['xc'] }, { 'x-consistency': 'quorum' }))[0]!.found).toBe(true);
    const r = await post('delete', { keys: ['xc'] }, { 'x-consistency': 'most' });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'invalid X-Consistency: expected one, quorum or all', code: 'BAD_REQUEST' });
    expect((await send(node.api, 'GET', '/v1/cache/xc')).status).toBe(200);
  });

  it('GET/PUT/DELETE on /v1/cache/batch/<op> are unknown routes', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await send(node.api, method, '/v1/cache/batch/get', { headers: { 'content-length': 0 } });
      expect(r.status, method).toBe(404);
      expect(json(r)).toEqual({ error: 'route not found', code: 'NOT_FOUND' });
    }
  });
});
