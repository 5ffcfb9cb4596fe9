import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { routeTable } from '../../src/auth/route-policy.js';
import { ScopeGuard } from '../../src/auth/scope.guard.js';
import { parseAuthConfig } from '../../src/config/auth-config.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { PeerGuard } from '../../src/peer/peer.guard.js';
import { PROTOCOL_VERSION } from '../../src/peer/peer-protocol.js';
import { rawBytes } from '../support/http.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { frame } from '../support/peer-frame.js';

/**
 * docs/auth.md "Where a request enters": a request a hot route answers from its Fastify hook gets
 * byte for byte the answer the Nest route gives. Two nodes with the same configuration, the same
 * credentials and a frozen clock each get the same requests in the same order: `hot` serves its
 * `@HotRoute()`s from their hooks, `nest` (`hotRoutes: false`) sends everything through Nest.
 * Status line, header lines (names, case, order, values) and body must be identical; the only line
 * left out is `Date`, which the HTTP server writes from the wall clock at send time.
 *
 * Every other header is deterministic here: versions, ETags, TTLs and expiry times come from the
 * frozen clock; `X-Cache-Node` and owners from the shared node ID; `Connection: close` is asked for.
 *
 * Each case also says which way it must take, checked by counting the Nest guards' calls: a request
 * the hot hook answers never reaches the guard on `hot`; a refused one (401, 403, bad protocol
 * version) goes on to the Nest route on both nodes.
 */

const TOKENS = { rw: 'eq-read-write', read: 'eq-read-only', write: 'eq-write-only' };
const PEER_TOKEN = 'eq-peer-token';
const AUTH_FILE = parseAuthConfig(
  JSON.stringify({
    tokens: {
      [TOKENS.rw]: { id: 'rw', scopes: ['read', 'write'] },
      [TOKENS.read]: { id: 'reader', scopes: ['read'] },
      [TOKENS.write]: { id: 'writer', scopes: ['write'] },
    },
  }),
  { oidcEnabled: false },
);
const MAX_VALUE_BYTES = 1024;
const START_MS = Date.UTC(2026, 4, 6, 10, 0, 0);

type Way = 'hot' | 'nest';
interface Case {
  name: string;
  listener: 'api' | 'dist';
  request: string | Buffer;
  /** How the `hot` node answers it: from the hot hook, or through the Nest route. */
  way: Way;
  status: number;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PEER_HEADERS = { ...bearer(PEER_TOKEN), 'x-hypercache-node': 'node-peer', 'x-hypercache-protocol': String(PROTOCOL_VERSION) };

/** One HTTP/1.1 request as bytes, `Connection: close` unless `headers` name one, with Content-Length when there is a body. */
function http(method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...(headers.connection === undefined ? ['Connection: close'] : [])];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined && headers['transfer-encoding'] === undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body ?? '')]);
}

const KEEP_ALIVE = { connection: 'keep-alive' };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** A `replicate` frame of items (docs/peer-protocol.md §3.1). */
const replicate = (source: string, items: [key: string, value: Buffer, version: number][]) =>
  frame(
    { source, entries: items.map(([key, value, version]) => ({ kind: 'item', key, version, origin: 'node-peer', updated_at: START_MS - 1000, expires_at: 0, value_len: value.length })) },
    ...items.map(([, value]) => value),
  );

const CLIENT_CASES: Case[] = [
  // Writes: 200, then the error answers the single-key routes give after admission.
  { name: 'PUT with a TTL', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/greeting?ttl=5m', bearer(TOKENS.rw), 'hello') },
  { name: 'PUT every byte value under an escaped key', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/a%2Fb%20c', bearer(TOKENS.rw), ALL_BYTES) },
  { name: 'PUT If-None-Match: * on an existing key → 412', listener: 'api', way: 'hot', status: 412, request: http('PUT', '/v1/cache/greeting', { ...bearer(TOKENS.rw), 'if-none-match': '*' }, 'x') },
  { name: 'PUT If-Match another version → 412', listener: 'api', way: 'hot', status: 412, request: http('PUT', '/v1/cache/greeting', { ...bearer(TOKENS.rw), 'if-match': '"1"' }, 'x') },
  { name: 'PUT a bad ttl → 400', listener: 'api', way: 'hot', status: 400, request: http('PUT', '/v1/cache/greeting?ttl=soon', bearer(TOKENS.rw), 'x') },
  { name: 'PUT a bad X-Consistency → 400', listener: 'api', way: 'hot', status: 400, request: http('PUT', '/v1/cache/greeting', { ...bearer(TOKENS.rw), 'x-consistency': 'most' }, 'x') },
  { name: 'PUT an empty key → 400', listener: 'api', way: 'hot', status: 400, request: http('PUT', '/v1/cache/', bearer(TOKENS.rw), 'x') },
  {
    name: 'PUT a Content-Length over MAX_VALUE_BYTES → 413', listener: 'api', way: 'hot', status: 413,
    request: http('PUT', '/v1/cache/big', { ...bearer(TOKENS.rw), 'content-length': String(MAX_VALUE_BYTES + 1) }),
  },
  {
    name: 'PUT a chunked body over MAX_VALUE_BYTES → 413', listener: 'api', way: 'hot', status: 413,
    request: http('PUT', '/v1/cache/big', { ...bearer(TOKENS.rw), 'transfer-encoding': 'chunked' }, `400\r\n${'a'.repeat(1024)}\r\n1\r\nb\r\n0\r\n\r\n`),
  },
  {
    name: 'PUT a Content-Length over the listener body limit (4 × MAX_VALUE_BYTES) → 413', listener: 'api', way: 'hot', status: 413,
    request: http('PUT', '/v1/cache/big', { ...bearer(TOKENS.rw), 'content-length': String(4 * MAX_VALUE_BYTES + 1) }),
  },
  { name: 'PUT an empty value without Content-Length', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/empty', bearer(TOKENS.rw)) },
  { name: 'PUT with ttl given twice: the first one counts', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/twice?ttl=1m&ttl=2m', bearer(TOKENS.rw), 'v') },
  {
    name: 'PUT over MAX_VALUE_BYTES with its body sent, then a GET on the same connection', listener: 'api', way: 'hot', status: 413,
    request: Buffer.concat([
      http('PUT', '/v1/cache/big', { ...bearer(TOKENS.rw), ...KEEP_ALIVE }, 'a'.repeat(MAX_VALUE_BYTES + 1)),
      http('GET', '/v1/cache/twice', bearer(TOKENS.read)),
    ]),
  },
  // Reads.
  {
    name: 'GET with a request body, then a GET on the same connection', listener: 'api', way: 'hot', status: 200,
    request: Buffer.concat([http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), ...KEEP_ALIVE }, 'ignored'), http('GET', '/v1/cache/empty', bearer(TOKENS.read))]),
  },
  { name: 'GET the raw value', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/greeting', bearer(TOKENS.read)) },
  { name: 'GET every byte value', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/a%2Fb%20c', bearer(TOKENS.rw)) },
  { name: 'GET the JSON envelope', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), accept: 'application/json' }) },
  { name: 'GET If-None-Match: * → 304', listener: 'api', way: 'hot', status: 304, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), 'if-none-match': '*' }) },
  { name: 'GET a missing key → 404', listener: 'api', way: 'hot', status: 404, request: http('GET', '/v1/cache/missing', bearer(TOKENS.read)) },
  { name: 'GET a bad escape in the key → 400', listener: 'api', way: 'hot', status: 400, request: http('GET', '/v1/cache/%ZZ', bearer(TOKENS.read)) },
  { name: 'GET X-Consistency: quorum', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), 'x-consistency': 'quorum' }) },
  { name: 'HEAD → 200 with the value headers', listener: 'api', way: 'hot', status: 200, request: http('HEAD', '/v1/cache/greeting', bearer(TOKENS.read)) },
  { name: 'HEAD If-None-Match: * → 304', listener: 'api', way: 'hot', status: 304, request: http('HEAD', '/v1/cache/greeting', { ...bearer(TOKENS.read), 'if-none-match': '*' }) },
  { name: 'HEAD a missing key → 404', listener: 'api', way: 'hot', status: 404, request: http('HEAD', '/v1/cache/missing', bearer(TOKENS.read)) },
  // Deletes.
  { name: 'DELETE If-None-Match → 400', listener: 'api', way: 'hot', status: 400, request: http('DELETE', '/v1/cache/greeting', { ...bearer(TOKENS.rw), 'if-none-match': '*' }) },
  { name: 'DELETE → 200', listener: 'api', way: 'hot', status: 200, request: http('DELETE', '/v1/cache/greeting', bearer(TOKENS.write)) },
  { name: 'GET a deleted key → 404', listener: 'api', way: 'hot', status: 404, request: http('GET', '/v1/cache/greeting', bearer(TOKENS.read)) },
  // 401: no or bad credentials, on every hot client route.
  { name: 'GET without credentials → 401', listener: 'api', way: 'nest', status: 401, request: http('GET', '/v1/cache/a%2Fb%20c') },
  { name: 'HEAD with an unknown token → 401', listener: 'api', way: 'nest', status: 401, request: http('HEAD', '/v1/cache/a%2Fb%20c', bearer('nope')) },
  { name: 'PUT with an unknown token → 401', listener: 'api', way: 'nest', status: 401, request: http('PUT', '/v1/cache/k', bearer('nope'), 'v') },
  { name: 'DELETE with a lower-case scheme → 401', listener: 'api', way: 'nest', status: 401, request: http('DELETE', '/v1/cache/k', { authorization: `bearer ${TOKENS.rw}` }) },
  { name: 'PUT over the limit without credentials → 401 (auth before the body)', listener: 'api', way: 'nest', status: 401, request: http('PUT', '/v1/cache/k', { 'content-length': String(MAX_VALUE_BYTES + 1) }) },
  // 403: a valid identity without the route's scope.
  { name: 'GET with a write-only token → 403', listener: 'api', way: 'nest', status: 403, request: http('GET', '/v1/cache/a%2Fb%20c', bearer(TOKENS.write)) },
  { name: 'HEAD with a write-only token → 403', listener: 'api', way: 'nest', status: 403, request: http('HEAD', '/v1/cache/a%2Fb%20c', bearer(TOKENS.write)) },
  { name: 'PUT with a read-only token → 403', listener: 'api', way: 'nest', status: 403, request: http('PUT', '/v1/cache/k', bearer(TOKENS.read), 'v') },
  { name: 'DELETE with a read-only token → 403', listener: 'api', way: 'nest', status: 403, request: http('DELETE', '/v1/cache/k', bearer(TOKENS.read)) },
];

const PEER_CASES: Case[] = [
  {
    name: 'replicate → applied', listener: 'dist', way: 'hot', status: 200,
    request: http('POST', '/peer/replicate', PEER_HEADERS, replicate('replication', [['peer-a', ALL_BYTES, 1000], ['peer-b', Buffer.from('b'), 1001]])),
  },
  {
    name: 'replicate an older version → stale', listener: 'dist', way: 'hot', status: 200,
    request: http('POST', '/peer/replicate', PEER_HEADERS, replicate('repair', [['peer-a', Buffer.from('old'), 999]])),
  },
  { name: 'read → entries and null', listener: 'dist', way: 'hot', status: 200, request: http('POST', '/peer/read', PEER_HEADERS, frame({ keys: ['peer-a', 'peer-b', 'nothing'] })) },
  {
    name: 'coordinate a forwarded put', listener: 'dist', way: 'hot', status: 200,
    request: http('POST', '/peer/coordinate', PEER_HEADERS, frame({ op: 'put', key: 'fwd', value_len: 2, ttl_ms: 60_000, consistency: 'one' }, Buffer.from('hi'))),
  },
  {
    name: 'coordinate a delete whose If-Match fails → 412 with the current version', listener: 'dist', way: 'hot', status: 412,
    request: http('POST', '/peer/coordinate', PEER_HEADERS, frame({ op: 'delete', key: 'fwd', consistency: 'one', if_match: [1] })),
  },
  { name: 'replicate not a frame (protocol 1 JSON) → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/replicate', PEER_HEADERS, '{"source":') },
  { name: 'read an invalid message → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/read', PEER_HEADERS, frame({ keys: 'peer-a' })) },
  { name: 'replicate with tail bytes no value claims → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/replicate', PEER_HEADERS, frame({ source: 'hint', entries: [] }, Buffer.from('x'))) },
  {
    name: 'coordinate over the message limit → 413', listener: 'dist', way: 'hot', status: 413,
    request: http('POST', '/peer/coordinate', { ...PEER_HEADERS, 'content-length': String(4 * MAX_VALUE_BYTES + 1024 * 1024 + 1) }),
  },
  {
    name: 'read on a kept-alive connection, then replicate on it', listener: 'dist', way: 'hot', status: 200,
    request: Buffer.concat([
      http('POST', '/peer/read', { ...PEER_HEADERS, ...KEEP_ALIVE }, frame({ keys: ['fwd'] })),
      http('POST', '/peer/replicate', PEER_HEADERS, replicate('hint', [['peer-c', Buffer.from('c'), 1002]])),
    ]),
  },
  { name: 'replicate without the peer token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/replicate', {}, frame({ source: 'replication', entries: [] })) },
  { name: 'read with a client token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/read', { ...PEER_HEADERS, ...bearer(TOKENS.rw) }, frame({ keys: ['peer-a'] })) },
  { name: 'coordinate with a wrong token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/coordinate', { ...PEER_HEADERS, ...bearer('nope') }, frame({})) },
  {
    name: 'replicate in the previous protocol major version (JSON, base64 values) → 400', listener: 'dist', way: 'nest', status: 400,
    request: http('POST', '/peer/replicate', { ...PEER_HEADERS, 'x-hypercache-protocol': String(PROTOCOL_VERSION - 1) }, JSON.stringify({ source: 'replication', entries: [] })),
  },
];

/** Every byte of the answers but their `Date` header lines (an IMF-fixdate, which no body here contains). */
function comparable(answers: Buffer): string {
  const text = answers.toString('latin1');
  expect(text, 'a complete header block').toContain('\r\n\r\n');
  return text.replace(/\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT(?=\r\n)/g, '');
}

let hot: TestNode;
let nest: TestNode;
let scopeGuard: MockInstance;
let peerGuard: MockInstance;

beforeAll(async () => {
  scopeGuard = vi.spyOn(ScopeGuard.prototype, 'canActivate');
  peerGuard = vi.spyOn(PeerGuard.prototype, 'canActivate');
  const config = { authConfigFile: 'equivalence.json', distToken: PEER_TOKEN, maxValueBytes: MAX_VALUE_BYTES };
  hot = await startTestNode(config, { authFile: AUTH_FILE, clock: new ManualClock(START_MS) });
  nest = await startTestNode(config, { authFile: AUTH_FILE, clock: new ManualClock(START_MS), hotRoutes: false });
});

afterAll(async () => {
  await Promise.all([hot?.stop(), nest?.stop()]);
  vi.restoreAllMocks();
});

describe('the hot routes', () => {
  it('are exactly the single-key client routes and the data-plane peer routes', () => {
    const hotRoutes = (node: TestNode, listener: 'client' | 'dist') =>
      routeTable(node.apps[listener], listener).filter((r) => r.hot).map((r) => `${r.method} ${r.path}`).sort();
    expect(hotRoutes(hot, 'client')).toEqual(['DELETE /v1/cache/:key', 'GET /v1/cache/:key', 'HEAD /v1/cache/:key', 'PUT /v1/cache/:key']);
    expect(hotRoutes(hot, 'dist')).toEqual(['POST /peer/coordinate', 'POST /peer/read', 'POST /peer/replicate']);
  });
});

/** Sends `c` to one node; returns its answer and how many times the listener's Nest guard ran. */
async function answer(node: TestNode, c: Case): Promise<{ bytes: Buffer; guardCalls: number }> {
  const guard = c.listener === 'api' ? scopeGuard : peerGuard;
  const before = guard.mock.calls.length;
  const bytes = await rawBytes(node.ports[c.listener], c.request, { timeoutMs: 10_000 });
  return { bytes, guardCalls: guard.mock.calls.length - before };
}

describe.each([
  ['client listener', CLIENT_CASES],
  ['dist listener', PEER_CASES],
])('%s: hot hook and Nest route answer byte for byte alike', (_listener, cases) => {
  it.each(cases)('$name', async (c) => {
    const fromHot = await answer(hot, c);
    const fromNest = await answer(nest, c);
    expect(comparable(fromHot.bytes)).toBe(comparable(fromNest.bytes));
    expect(fromHot.bytes.toString('latin1')).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
    const requests = c.request.toString('latin1').split(' HTTP/1.1\r\n').length - 1;
    expect(fromNest.guardCalls, 'the Nest-only node runs the guard').toBe(requests);
    expect(fromHot.guardCalls, c.way === 'hot' ? 'answered by the hot hook' : 'left to the Nest route').toBe(c.way === 'hot' ? 0 : requests);
  });
});
