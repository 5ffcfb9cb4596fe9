import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { expectEnvelope, rawExchange, rawRequest, send } from '../support/http.js';
import { frame } from '../support/peer-frame.js';

/**
 * Every error Node's HTTP parser, Fastify or Nest can raise from the wire, sent as raw bytes to each
 * of the three listeners of one node (docs/api.md §1.16): each gets the
 * `{error, code}` envelope with its status, and the node keeps serving with its data intact.
 */
type Listener = 'api' | 'mgmt' | 'dist';
const LISTENERS: Listener[] = ['api', 'mgmt', 'dist'];

/** Per listener: a GET route and a route that reads a request body (with the headers it needs). */
const ROUTES: Record<Listener, { get: string; body: string; good: string; query: string }> = {
  api: { get: 'GET /v1/cache/fw-key', body: 'PUT /v1/cache/fw-key', good: '/healthz', query: '/v1/cache/keys?limit=%ZZ' },
  mgmt: { get: 'GET /stats', body: 'POST /evict', good: '/health/live', query: '/dist/owners?key=%E0%A4%A' },
  dist: { get: 'GET /health', body: 'POST /peer/replicate', good: '/health', query: '' },
};
const PEER = 'X-Hypercache-Node: node-x\r\n';
const MAX = 1024;
const MARKER = { key: 'fw-marker', value: 'fw-marker-value' };
/** A `read` frame, all of whose bytes are ASCII (a 14-byte header), so it can travel in a request string. */
const READ_FRAME = frame({ keys: ['k'] }).toString('latin1');

interface Case {
  name: string;
  /** The request bytes, given the listener's routes. */
  bytes: (r: (typeof ROUTES)[Listener]) => string;
  status: number | Partial<Record<Listener, number>>;
  code: string | Partial<Record<Listener, string>>;
  halfClose?: boolean;
  /** The listeners the case applies to (all three when absent). */
  only?: Listener[];
}

const CLOSE = 'Host: x\r\nConnection: close\r\n';
const target = (line: string) => line.split(' ')[1]!;
const withBody = (line: string, headers: string, body = '') => `${line} HTTP/1.1\r\n${CLOSE}${PEER}${headers}\r\n${body}`;

const CASES: Case[] = [
  // Fastify's router (FST_ERR_BAD_URL): the client API matches raw paths, so only its unknown routes see them.
  { name: 'bad percent-encoding in the path of a route', bytes: (r) => `${r.get}%ZZ HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'bad percent-encoding in an unknown path', bytes: () => `GET /nope%E0%A4%A HTTP/1.1\r\n${CLOSE}\r\n`, status: { api: 404, mgmt: 400, dist: 400 }, code: { api: 'NOT_FOUND', mgmt: 'BAD_REQUEST', dist: 'BAD_REQUEST' } },
  { name: 'bad percent-encoding under /docs/', bytes: () => `GET /docs/%ZZ HTTP/1.1\r\n${CLOSE}\r\n`, status: { api: 404, mgmt: 400, dist: 400 }, code: { api: 'NOT_FOUND', mgmt: 'BAD_REQUEST', dist: 'BAD_REQUEST' } },
  // Query strings are parsed leniently (a bad escape stays as written); the routes that read a parameter validate it.
  { name: 'bad percent-encoding in a query parameter', bytes: (r) => `GET ${r.query} HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST', only: ['api', 'mgmt'] },
  // Node's parser (llhttp HPE_* errors, answered from the server's clientError event).
  { name: 'raw non-ASCII byte in the URL', bytes: (r) => `${r.get}\xc3\xa9 HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'NUL byte in the URL', bytes: (r) => `${r.get}\x00 HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'request target without a leading slash', bytes: () => `GET stats HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'method with an invalid character', bytes: (r) => `G@T ${target(r.get)} HTTP/1.1\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'HTTP/2 connection preface', bytes: () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'unknown HTTP version', bytes: (r) => `${r.get} HTTP/9.9\r\n${CLOSE}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'header name with a space', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}Bad Header: v\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'space before the header colon', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}X-A : v\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'NUL in a header value', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}X-A: a\x00b\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'obsolete header line folding', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}X-A: a\r\n b\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'bare LF line endings', bytes: (r) => `${r.get} HTTP/1.1\nHost: x\nConnection: close\n\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'header section over 16 KiB', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}X-Big: ${'a'.repeat(17_000)}\r\n\r\n`, status: 431, code: 'BAD_REQUEST' },
  { name: 'URL over 16 KiB', bytes: (r) => `${r.get}${'a'.repeat(17_000)} HTTP/1.1\r\n${CLOSE}\r\n`, status: 431, code: 'BAD_REQUEST' },
  { name: 'thousands of headers', bytes: (r) => `${r.get} HTTP/1.1\r\n${CLOSE}${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, status: 431, code: 'BAD_REQUEST' },
  { name: 'non-numeric Content-Length', bytes: (r) => withBody(r.body, 'Content-Length: abc\r\n'), status: 400, code: 'BAD_REQUEST' },
  { name: 'negative Content-Length', bytes: (r) => withBody(r.body, 'Content-Length: -1\r\n'), status: 400, code: 'BAD_REQUEST' },
  { name: 'two different Content-Length headers', bytes: (r) => withBody(r.body, 'Content-Length: 1\r\nContent-Length: 2\r\n', 'ab'), status: 400, code: 'BAD_REQUEST' },
  { name: 'Content-Length with Transfer-Encoding', bytes: (r) => withBody(r.body, 'Content-Length: 1\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), status: 400, code: 'BAD_REQUEST' },
  { name: 'Transfer-Encoding not ending in chunked', bytes: (r) => withBody(r.body, 'Transfer-Encoding: gzip\r\n', 'ab'), status: 400, code: 'BAD_REQUEST' },
  { name: 'bad chunk size', bytes: (r) => withBody(r.body, 'Transfer-Encoding: chunked\r\n', 'ZZ\r\nab\r\n0\r\n\r\n'), status: 400, code: 'BAD_REQUEST' },
  { name: 'chunk without its CRLF', bytes: (r) => withBody(r.body, 'Transfer-Encoding: chunked\r\n', '2\r\nabcd\r\n0\r\n\r\n'), status: 400, code: 'BAD_REQUEST' },
  { name: 'chunk extensions over 16 KiB', bytes: (r) => withBody(r.body, 'Transfer-Encoding: chunked\r\n', `1;${'e'.repeat(17_000)}\r\na\r\n0\r\n\r\n`), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'body cut short (client half-closes)', bytes: (r) => withBody(r.body, 'Content-Length: 100\r\n', '{"x'), status: 400, code: 'BAD_REQUEST', halfClose: true },
  { name: 'chunked body cut short (client half-closes)', bytes: (r) => withBody(r.body, 'Transfer-Encoding: chunked\r\n', '10\r\nabc'), status: 400, code: 'BAD_REQUEST', halfClose: true },
  // Node's request handling before Fastify: missing Host, Expect, CONNECT.
  { name: 'HTTP/1.1 without Host', bytes: (r) => `${r.get} HTTP/1.1\r\nConnection: close\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'Expect other than 100-continue', bytes: (r) => withBody(r.body, 'Expect: bananas\r\nContent-Length: 0\r\n'), status: 417, code: 'BAD_REQUEST' },
  { name: 'CONNECT', bytes: () => `CONNECT 127.0.0.1:80 HTTP/1.1\r\n${CLOSE}\r\n`, status: 404, code: 'NOT_FOUND' },
  // Routing, body limits and bodies (Fastify 404, Nest, the handlers).
  { name: 'unknown route', bytes: () => `GET /no/such/route HTTP/1.1\r\n${CLOSE}\r\n`, status: 404, code: 'NOT_FOUND' },
  { name: 'unknown method', bytes: (r) => `PROPFIND ${target(r.get)} HTTP/1.1\r\n${CLOSE}\r\n`, status: 404, code: 'NOT_FOUND' },
  { name: 'TRACE', bytes: (r) => `TRACE ${target(r.get)} HTTP/1.1\r\n${CLOSE}\r\n`, status: 404, code: 'NOT_FOUND' },
  { name: 'asterisk-form target', bytes: () => `OPTIONS * HTTP/1.1\r\n${CLOSE}\r\n`, status: 404, code: 'NOT_FOUND' },
  { name: 'Content-Length over the body limit', bytes: (r) => withBody(r.body, 'Content-Length: 999999999\r\n'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'chunked body over the body limit', bytes: (r) => withBody(r.body, 'Transfer-Encoding: chunked\r\n', `130000\r\n${'x'.repeat(0x130000)}\r\n0\r\n\r\n`), status: 413, code: 'PAYLOAD_TOO_LARGE' },
];

/** Bodies a route cannot parse: the client's batch routes (JSON) and the data-plane peer routes (frames, docs/peer-protocol.md §3.1). */
const JSON_ROUTES: Partial<Record<Listener, string>> = { api: 'POST /v1/cache/batch/get', dist: 'POST /peer/replicate' };

describe('malformed HTTP on every listener gets the envelope', () => {
  let node: TestNode;
  let port: Record<Listener, number>;
  let base: Record<Listener, string>;

  beforeAll(async () => {
    node = await startTestNode({ maxValueBytes: MAX });
    port = { api: node.ports.api, mgmt: node.ports.mgmt, dist: node.ports.dist };
    base = { api: node.api, mgmt: node.mgmt, dist: node.dist };
    const put = await send(node.api, 'PUT', `/v1/cache/${MARKER.key}`, { body: MARKER.value, headers: { 'content-length': MARKER.value.length } });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await node.stop();
  });

  /** The listener still serves on a new connection and the stored data is intact. */
  async function expectServing(listener: Listener, context: string): Promise<void> {
    expect((await send(base[listener], 'GET', ROUTES[listener].good)).status, context).toBe(200);
    const marker = await send(node.api, 'GET', `/v1/cache/${MARKER.key}`);
    expect(marker.body.toString(), context).toBe(MARKER.value);
  }

  for (const c of CASES) {
    it.each(c.only ?? LISTENERS)(`${c.name}: %s`, async (listener) => {
      const status = typeof c.status === 'number' ? c.status : c.status[listener]!;
      const code = typeof c.code === 'string' ? c.code : c.code[listener]!;
      const r = await rawRequest(port[listener], c.bytes(ROUTES[listener]), { halfClose: c.halfClose });
      expectEnvelope(r, `${c.name} on ${listener}`, { status, code });
      if (listener === 'api') expect(r.headers['x-cache-node']).toBe('node-test');
      await expectServing(listener, `${c.name} on ${listener}`);
    });
  }

  it.each(Object.entries(JSON_ROUTES))('an unparsable body with Content-Type: application/json: %s', async (listener, line) => {
    for (const body of ['{x', '', '\u0000']) {
      const r = await rawRequest(port[listener as Listener], withBody(line, `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`, body));
      expectEnvelope(r, `${JSON.stringify(body)} on ${listener}`, { status: 400, code: 'BAD_REQUEST' });
    }
    await expectServing(listener as Listener, listener);
  });

  it('no Content-Type is refused with 415: any type, even a malformed one, reaches the route', async () => {
    const typed = (line: string, type: string, body: string) =>
      rawRequest(port.api, withBody(line, `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n`, body));
    for (const type of [';;;', 'application/json', 'text/plain; charset=nope', 'multipart/form-data', '\u00ff/\u00ff']) {
      expect((await typed('PUT /v1/cache/fw-typed', type, 'v')).status, type).toBe(200);
      const mgmt = await rawRequest(port.mgmt, withBody('POST /trigger-expiration', `Content-Type: ${type}\r\nContent-Length: 1\r\n`, 'v'));
      expect(mgmt.status, type).toBe(202);
      const dist = await rawRequest(port.dist, withBody('POST /peer/read', `Content-Type: ${type}\r\nContent-Length: ${READ_FRAME.length}\r\n`, READ_FRAME));
      expect(dist.status, type).toBe(200);
    }
  });

  it('an HTTP/1.0 request without Host is served; Expect: 100-continue gets 100 then the answer', async () => {
    const old = await rawRequest(port.api, `GET /v1/cache/${MARKER.key} HTTP/1.0\r\n\r\n`);
    expect(old.status).toBe(200);
    expect(old.body.toString()).toBe(MARKER.value);
    const answers = await rawExchange(port.api, `PUT /v1/cache/fw-expect HTTP/1.1\r\n${CLOSE}Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok`);
    expect(answers.map((a) => a.status)).toEqual([100, 200]);
    expect((await send(node.api, 'GET', '/v1/cache/fw-expect')).body.toString()).toBe('ok');
  });

  it('HEAD on an unknown route is 404 without a body', async () => {
    for (const listener of LISTENERS) {
      const r = await rawRequest(port[listener], `HEAD /no/such/route HTTP/1.1\r\n${CLOSE}\r\n`);
      expect(r.status, listener).toBe(404);
      expect(r.body.length, listener).toBe(0);
    }
  });
});
