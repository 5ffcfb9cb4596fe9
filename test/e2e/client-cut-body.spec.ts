import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { rawRequest, send } from '../support/http.js';

/**
 * A client that gives up mid-body (declares more bytes than it sends, then half-closes): the body is
 * never applied, the answer is the 400 envelope, never a 500, and the node keeps serving. Covers both ways a body is read: the single-key fast path (PUT) and a Nest
 * route behind the pass-through parser (batch put).
 */
describe('client API: a body cut short (docs/auth.md §7, docs/api.md §1.15)', () => {
  let node: TestNode;
  const auth = { authorization: 'Bearer cut-token' };

  beforeAll(async () => {
    node = await startTestNode({ authToken: 'cut-token' });
  });
  afterAll(async () => {
    await node.stop();
  });

  const cut = (method: string, path: string, declared: number, sent: string) =>
    rawRequest(
      node.ports.api,
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer cut-token\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n${sent}`,
      { halfClose: true },
    );

  it.each([
    ['PUT /v1/cache/{key} (fast path)', 'PUT', '/v1/cache/cut-single', 100, 'only-part-of-it'],
    ['POST /v1/cache/batch/put (Nest route)', 'POST', '/v1/cache/batch/put', 200, '{"items":[{"key":"cut-batch","value":"dg=="}'],
  ])('%s: nothing is stored, no 500, the node keeps serving', async (_name, method, path, declared, sent) => {
    // Node's parser sees the end of the stream before the declared length: the 400 envelope.
    const answer = await cut(method, path, declared, sent);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toEqual({ error: 'bad request', code: 'BAD_REQUEST' });
    for (const key of ['cut-single', 'cut-batch']) {
      expect((await send(node.api, 'GET', `/v1/cache/${key}`, { headers: auth })).status).toBe(404);
    }
    const ok = await send(node.api, 'PUT', '/v1/cache/after-cut', { body: 'v', headers: { ...auth, 'content-length': 1 } });
    expect(ok.status).toBe(200);
  });
});
