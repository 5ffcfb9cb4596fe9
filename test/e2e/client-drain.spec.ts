import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';

const DRAINING = { error: 'node is draining; retry on another node', code: 'DRAINING' };

describe('client API while draining (docs/lifecycle.md §4, I18)', () => {
  let node: TestNode;
  let version: number;
  const batch = (op: string, body: unknown) => {
    const text = JSON.stringify(body);
    return send(node.api, 'POST', `/v1/cache/batch/${op}`, { body: text, headers: { 'content-length': Buffer.byteLength(text) } });
  };

  beforeAll(async () => {
    node = await startTestNode();
    const put = await send(node.api, 'PUT', '/v1/cache/kept', { body: 'still here', headers: { 'content-length': 10 } });
    version = json(put).version as number;
    expect(node.core.node.drain()).toBe(true);
  });
  afterAll(async () => {
    await node.stop();
  });

  it('PUT and DELETE → 503 DRAINING', async () => {
    const put = await send(node.api, 'PUT', '/v1/cache/kept', { body: 'new', headers: { 'content-length': 3 } });
    expect(put.status).toBe(503);
    expect(json(put)).toEqual(DRAINING);
    expect(put.headers['x-cache-node']).toBe('node-test');
    const del = await send(node.api, 'DELETE', '/v1/cache/kept');
    expect(del.status).toBe(503);
    expect(json(del)).toEqual(DRAINING);
  });

  it('reads are still served from the local copy', async () => {
    const get = await send(node.api, 'GET', '/v1/cache/kept');
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe('still here');
    expect(get.headers.etag).toBe(`"${version}"`);
    expect((await send(node.api, 'HEAD', '/v1/cache/kept')).status).toBe(200);
    expect(json(await send(node.api, 'GET', '/v1/cache/keys?q=kept')).keys).toEqual(['kept']);
    expect((await send(node.api, 'GET', '/v1/owners/kept')).status).toBe(200);
    expect((await send(node.api, 'GET', '/v1/me')).status).toBe(200);
    expect((await send(node.api, 'GET', '/healthz')).body.toString()).toBe('ok');
  });

  it('batch put/delete answer 200 with DRAINING per item; batch get is served', async () => {
    const put = await batch('put', { items: [{ key: 'a', value: 'x' }, { key: 'kept', value: 'y' }] });
    expect(put.status).toBe(200);
    expect(json(put).results).toEqual([
      { key: 'a', stored: false, ...DRAINING },
      { key: 'kept', stored: false, ...DRAINING },
    ]);
    const del = await batch('delete', { keys: ['kept'] });
    expect(json(del).results).toEqual([{ key: 'kept', deleted: false, ...DRAINING }]);
    const get = await batch('get', { keys: ['kept', 'a'] });
    expect(json<{ results: Array<Record<string, unknown>> }>(get).results.map((r) => r.found)).toEqual([true, false]);
  });

  it('validation still comes first for writes', async () => {
    const r = await send(node.api, 'PUT', '/v1/cache/%ZZ', { body: 'v', headers: { 'content-length': 1 } });
    expect(r.status).toBe(400);
  });
});
