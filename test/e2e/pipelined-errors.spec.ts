import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFixtures, generateCerts } from '../support/certs.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { expectEnvelope, json, rawExchange, send, tlsRequest } from '../support/http.js';
import { frame, unframe } from '../support/peer-frame.js';

/**
 * Requests pipelined on one connection before a malformed one (docs/api.md §1.16):
 * Node's parser hands them to their routes before it reaches the bad bytes, so a write among them
 * is applied. Their answers arrive first, complete and in order, then the 400 envelope, then the
 * connection closes.
 */
const MALFORMED = 'GET /x HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n';
const BAD_REQUEST = { error: 'bad request', code: 'BAD_REQUEST' };
const put = (key: string, value: string) => `PUT /v1/cache/${key} HTTP/1.1\r\nHost: x\r\nContent-Length: ${value.length}\r\n\r\n${value}`;
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const NOW = Date.now();

describe('pipelined requests before a malformed one', () => {
  let node: TestNode;

  beforeAll(async () => {
    node = await startTestNode({ maxValueBytes: 1024 });
  });
  afterAll(async () => {
    await node.stop();
  });

  const stored = async (key: string) => {
    const r = await send(node.api, 'GET', `/v1/cache/${key}`);
    return r.status === 200 ? r.body.toString() : undefined;
  };

  it('client API: the PUT is answered 200 before the 400, and stored', async () => {
    const answers = await rawExchange(node.ports.api, put('pipe-one', 'hello') + MALFORMED);
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expect(json(answers[0]!)).toMatchObject({ key: 'pipe-one', stored: true, bytes: 5 });
    expect(json(answers[1]!)).toEqual(BAD_REQUEST);
    expect(answers[1]!.headers.connection).toBe('close');
    expect(await stored('pipe-one')).toBe('hello');
  });

  it('client API: several writes and reads, all answered in order before the 400', async () => {
    const answers = await rawExchange(node.ports.api, put('pipe-a', 'A') + put('pipe-b', 'BB') + get('/v1/cache/pipe-a') + put('pipe-a', 'A2') + MALFORMED);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 400]);
    expect(answers[2]!.body.toString()).toBe('A');
    expect(json(answers[3]!)).toMatchObject({ key: 'pipe-a', bytes: 2 });
    expect(json(answers[4]!)).toEqual(BAD_REQUEST);
    expect(await stored('pipe-a')).toBe('A2');
    expect(await stored('pipe-b')).toBe('BB');
  });

  it('client API: a large answer in flight is delivered whole before the 400', async () => {
    const whole = await send(node.api, 'GET', '/v1/openapi.yaml');
    expect(whole.body.length).toBeGreaterThan(16_384);
    const answers = await rawExchange(node.ports.api, get('/v1/openapi.yaml') + MALFORMED);
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expect(answers[0]!.body.equals(whole.body)).toBe(true);
  });

  it('client API: a PUT before one whose chunked body is malformed is applied; the malformed one is not', async () => {
    const badBody = 'PUT /v1/cache/pipe-bad HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n0\r\n\r\n';
    const answers = await rawExchange(node.ports.api, put('pipe-good', 'good') + badBody);
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expect(json(answers[1]!)).toEqual(BAD_REQUEST);
    expect(await stored('pipe-good')).toBe('good');
    expect(await stored('pipe-bad')).toBeUndefined();
  });

  it('management: POST /clear is answered before the 400, and applied', async () => {
    expect((await send(node.api, 'PUT', '/v1/cache/pipe-clear', { body: 'x', headers: { 'content-length': 1 } })).status).toBe(200);
    const answers = await rawExchange(node.ports.mgmt, 'POST /clear HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' + get('/stats') + MALFORMED);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
    expect((json(answers[0]!) as { cleared: number }).cleared).toBeGreaterThanOrEqual(1);
    expect(json(answers[2]!)).toEqual(BAD_REQUEST);
    expect(await stored('pipe-clear')).toBeUndefined();
  });

  it('dist: POST /peer/replicate is answered before the 400, and applied', async () => {
    const message = frame(
      { source: 'replication', entries: [{ kind: 'item', key: 'pipe-peer', version: 1000, origin: 'node-x', updated_at: NOW, expires_at: 0, value_len: 4 }] },
      Buffer.from('peer'),
    );
    const replicate = `POST /peer/replicate HTTP/1.1\r\nHost: x\r\nX-Hypercache-Node: node-x\r\nContent-Type: application/vnd.hypercache.frame\r\nContent-Length: ${message.length}\r\n\r\n`;
    const answers = await rawExchange(node.ports.dist, Buffer.concat([Buffer.from(replicate), message, Buffer.from(get('/health') + MALFORMED)]));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
    expect(unframe(answers[0]!.body).header).toEqual({ results: ['applied'] });
    expect(json(answers[2]!)).toEqual(BAD_REQUEST);
    expect(await stored('pipe-peer')).toBe('peer');
  });
});

describe('the client API over TLS answers malformed and pipelined requests the same way', () => {
  let certs: CertFixtures;
  let node: TestNode;

  beforeAll(async () => {
    certs = generateCerts();
    node = await startTestNode({}, { apiTls: { cert: certs.server.cert, key: certs.server.key } });
  });
  afterAll(async () => {
    await node.stop();
    certs.remove();
  });

  it('a PUT pipelined before a malformed request: 200, then the 400 envelope; HTTP/1.1 without Host: 400 envelope', async () => {
    const answers = await rawExchange(node.ports.api, put('tls-pipe', 'sealed') + MALFORMED, { tlsCa: certs.ca.cert });
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expectEnvelope(answers[1]!, 'malformed over TLS', { status: 400, code: 'BAD_REQUEST' });
    expect(answers[1]!.headers['x-cache-node']).toBe('node-test');
    const [noHost] = await rawExchange(node.ports.api, 'GET /v1/cache/tls-pipe HTTP/1.1\r\nConnection: close\r\n\r\n', { tlsCa: certs.ca.cert });
    expectEnvelope(noHost!, 'no Host over TLS', { status: 400, code: 'BAD_REQUEST' });
    const stored = await tlsRequest(`${node.api}/v1/cache/tls-pipe`, { ca: certs.ca.cert });
    expect(stored.body.toString()).toBe('sealed');
  });
});
