import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';

/** `POST /peer/list_keys` (docs/api.md §1.12, docs/peer-protocol.md §2): one node in process, its own live keys only. */
const TOKEN = 'peer-secret';
const headers = { authorization: `Bearer ${TOKEN}`, 'x-hypercache-node': 'node-x', 'content-type': 'application/json' };

describe('POST /peer/list_keys', () => {
  let node: TestNode;
  const post = (body: unknown, h: Record<string, string> = headers) =>
    send(node.dist, 'POST', '/peer/list_keys', { headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: TOKEN });
    for (const k of ['b-2', 'a-1', 'a-3', 'a-2', 'gone']) await send(node.api, 'PUT', `/v1/cache/${k}`, { body: 'v' });
    await send(node.api, 'DELETE', '/v1/cache/gone');
    await send(node.api, 'PUT', '/v1/cache/a-expiring?ttl=1ms', { body: 'v' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('answers the max smallest matching live keys in UTF-8 order and whether there were more', async () => {
    const all = await post({ pattern: 'a-', max: 10 });
    expect(all.status).toBe(200);
    expect(json(all)).toEqual({ keys: ['a-1', 'a-2', 'a-3'], more: false });
    expect(json(await post({ pattern: '*-?', max: 2 }))).toEqual({ keys: ['a-1', 'a-2'], more: true });
    // Tombstones and expired items are not listed.
    expect(json(await post({ pattern: '', max: 100 }))).toEqual({ keys: ['a-1', 'a-2', 'a-3', 'b-2'], more: false });
  });

  it('rejects malformed messages with 400 and the peer credential check with 401', async () => {
    for (const bad of [{ pattern: '[', max: 1 }, { pattern: 'a', max: 0 }, { pattern: 'a', max: 50_001 }, { pattern: 1, max: 1 }, { max: 1 }, 'nope']) {
      const r = await post(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(json<{ code: string }>(r).code).toBe('BAD_REQUEST');
    }
    expect((await post({ pattern: '', max: 1 }, { ...headers, authorization: 'Bearer wrong' })).status).toBe(401);
  });
});
