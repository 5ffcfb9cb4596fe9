import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { routeTable } from '../../src/auth/route-policy.js';
import { ScopeGuard } from '../../src/auth/scope.guard.js';
import { parseAuthConfig } from '../../src/config/auth-config.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { PeerGuard } from '../../src/peer/peer.guard.js';
import { PROTOCOL_VERSION } from '../../src/peer/peer-protocol.js';
import { RequestTrail } from '../../src/metrics/request-trail.js';
import { flushTracing, initTracing, shutdownTracing } from '../../src/tracing/tracing.js';
import { rawBytes } from '../support/http.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../tracing/otlp-receiver.js';
import { frame } from '../support/peer-frame.js';

/**
 * docs/auth.md "Where a request enters": a request a hot route answers from the raw request handler
 * (client API and dist) gets byte for byte the answer the Nest route gives. Two nodes with the same configuration, the same
 * credentials and a frozen clock each get the same requests in the same order: `hot` serves its
 * `@HotRoute()`s ahead of Fastify, `nest` (`hotRoutes: false`) sends everything through Nest.
 * Status line, header lines (names, case, order, values) and body must be identical; the only line
 * left out is `Date`, which the HTTP server writes from the wall clock at send time.
 *
 * Every other header is deterministic here: versions, ETags, TTLs and expiry times come from the
 * frozen clock; `X-Cache-Node` and owners from the shared node ID; `Connection: close` is asked for.
 *
 * Each case also says which way it must take, checked by counting the Nest guards' calls and the
 * requests answered ahead of Fastify (`RequestTrail.answered`): a request the hot route answers
 * never reaches Fastify's hooks or the guard on `hot`; a refused one (401, 403, bad protocol
 * version) or one that is not exactly the route (an odd target or query, `Expect`, no `Host`) goes
 * on to the Nest route on both nodes; one Fastify answers itself (`router`) reaches no guard.
 *
 * What the hot path must produce besides the bytes is compared per case too: the HTTP metrics
 * (`hypercache_http_requests_total` and the latency histogram's count, by listener, method, route
 * and status) and the request spans (tracing is on, spans go to a loopback OTLP receiver: name,
 * kind, attributes, status, and whether the caller's `traceparent` is the parent).
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

type Way = 'hot' | 'nest' | 'router';
interface Case {
  name: string;
  listener: 'api' | 'dist';
  request: string | Buffer;
  /** How the `hot` node answers it: from the hot route, through the Nest route, or by Fastify before any route (no guard). */
  way: Way;
  /** Answered by the Node server before any handler: no metrics, no span on either node. */
  unseen?: boolean;
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
const TRACEPARENT = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
/** A request exactly as written (no Host or Connection added). */
const verbatim = (lines: string[], body = '') => Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
const json = (value: unknown) => JSON.stringify(value);
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
  { name: 'PUT an empty key → 400 (not exactly the route: left to Fastify)', listener: 'api', way: 'nest', status: 400, request: http('PUT', '/v1/cache/', bearer(TOKENS.rw), 'x') },
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
  { name: 'PUT with ttl given twice: the first one counts (a query the hot path leaves to Fastify)', listener: 'api', way: 'nest', status: 200, request: http('PUT', '/v1/cache/twice?ttl=1m&ttl=2m', bearer(TOKENS.rw), 'v') },
  {
    name: 'PUT over MAX_VALUE_BYTES with its body sent, then a GET on the same connection', listener: 'api', way: 'hot', status: 413,
    request: Buffer.concat([
      http('PUT', '/v1/cache/big', { ...bearer(TOKENS.rw), ...KEEP_ALIVE }, 'a'.repeat(MAX_VALUE_BYTES + 1)),
      http('GET', '/v1/cache/twice', bearer(TOKENS.read)),
    ]),
  },
  // Writes this node alone owns, answered in the same turn (docs/cluster.md §4): success and error answers.
  { name: 'PUT a bad escape in the key → 400', listener: 'api', way: 'hot', status: 400, request: http('PUT', '/v1/cache/%ZZ', bearer(TOKENS.rw), 'x') },
  { name: 'PUT X-Consistency: all', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/every', { ...bearer(TOKENS.rw), 'x-consistency': 'ALL' }, 'all') },
  { name: 'PUT ttl=0s (no expiry)', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/zero?ttl=0s', bearer(TOKENS.rw), '0') },
  { name: 'PUT If-None-Match: * on a new key → 200', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/fresh', { ...bearer(TOKENS.rw), 'if-none-match': '*' }, 'f') },
  {
    name: 'PUT a chunked body under the limit', listener: 'api', way: 'hot', status: 200,
    request: http('PUT', '/v1/cache/chunked', { ...bearer(TOKENS.rw), 'transfer-encoding': 'chunked' }, '3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
  },
  {
    name: 'PUT, GET and DELETE of one key on one kept-alive connection', listener: 'api', way: 'hot', status: 200,
    request: Buffer.concat([
      http('PUT', '/v1/cache/cycle?ttl=90s', { ...bearer(TOKENS.rw), ...KEEP_ALIVE }, 'c'),
      http('GET', '/v1/cache/cycle', { ...bearer(TOKENS.read), ...KEEP_ALIVE }),
      http('DELETE', '/v1/cache/cycle', bearer(TOKENS.rw)),
    ]),
  },
  {
    name: 'two PUTs of one key and a GET of it pipelined on one connection: answered in order', listener: 'api', way: 'hot', status: 200,
    request: Buffer.concat([
      http('PUT', '/v1/cache/piped', { ...bearer(TOKENS.rw), ...KEEP_ALIVE }, 'first'),
      http('PUT', '/v1/cache/piped', { ...bearer(TOKENS.rw), ...KEEP_ALIVE }, 'second'),
      http('GET', '/v1/cache/piped', bearer(TOKENS.read)),
    ]),
  },
  { name: 'DELETE If-Match: * on a deleted key → 412', listener: 'api', way: 'hot', status: 412, request: http('DELETE', '/v1/cache/cycle', { ...bearer(TOKENS.rw), 'if-match': '*' }) },
  { name: 'DELETE a bad escape in the key → 400', listener: 'api', way: 'hot', status: 400, request: http('DELETE', '/v1/cache/a%2', bearer(TOKENS.rw)) },
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
  // The request span continues the caller's trace on both ways.
  { name: 'GET with a traceparent', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), ...TRACEPARENT }) },
  { name: 'PUT with a traceparent and an empty ttl', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/traced?ttl=', { ...bearer(TOKENS.rw), ...TRACEPARENT }, 'v') },
  // Conditional headers that do not stop the request, and a weak or foreign ETag.
  { name: 'GET If-None-Match another version → 200', listener: 'api', way: 'hot', status: 200, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), 'if-none-match': '"999", W/"1"' }) },
  { name: 'GET a malformed If-None-Match → 400', listener: 'api', way: 'hot', status: 400, request: http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), 'if-none-match': 'nope' }) },
  { name: 'PUT If-Match: * on an existing key → 200', listener: 'api', way: 'hot', status: 200, request: http('PUT', '/v1/cache/twice', { ...bearer(TOKENS.rw), 'if-match': '*' }, 'v2') },
  { name: 'PUT a ttl over 87600h → 400', listener: 'api', way: 'hot', status: 400, request: http('PUT', '/v1/cache/greeting?ttl=87601h', bearer(TOKENS.rw), 'x') },
  { name: 'DELETE a missing key → 200 (a tombstone)', listener: 'api', way: 'hot', status: 200, request: http('DELETE', '/v1/cache/never-written', bearer(TOKENS.rw)) },
  { name: 'GET an escaped UTF-8 key', listener: 'api', way: 'hot', status: 404, request: http('GET', '/v1/cache/caf%C3%A9', bearer(TOKENS.read)) },
  // Keep-alive and HTTP/1.0 handling stay Node's: the same server answers both ways.
  {
    name: 'GET, HEAD and PUT on one kept-alive connection', listener: 'api', way: 'hot', status: 200,
    request: Buffer.concat([
      http('GET', '/v1/cache/greeting', { ...bearer(TOKENS.read), ...KEEP_ALIVE }),
      http('HEAD', '/v1/cache/greeting', { ...bearer(TOKENS.read), ...KEEP_ALIVE }),
      http('PUT', '/v1/cache/kept', bearer(TOKENS.rw), 'k'),
    ]),
  },
  { name: 'HTTP/1.0 GET without Host', listener: 'api', way: 'hot', status: 200, request: verbatim(['GET /v1/cache/greeting HTTP/1.0', `Authorization: Bearer ${TOKENS.read}`]) },
  {
    name: 'HTTP/1.0 GET with Connection: keep-alive', listener: 'api', way: 'hot', status: 200,
    request: Buffer.concat([
      verbatim(['GET /v1/cache/greeting HTTP/1.0', 'Host: 127.0.0.1', 'Connection: keep-alive', `Authorization: Bearer ${TOKENS.read}`]),
      verbatim(['GET /v1/cache/greeting HTTP/1.0', 'Host: 127.0.0.1', `Authorization: Bearer ${TOKENS.read}`]),
    ]),
  },
  // Not exactly a hot route: left to Fastify, answered as before.
  { name: 'HTTP/1.1 GET without Host → 400', listener: 'api', way: 'router', status: 400, request: verbatim(['GET /v1/cache/greeting HTTP/1.1', 'Connection: close', `Authorization: Bearer ${TOKENS.read}`]) },
  { name: 'GET with a query', listener: 'api', way: 'nest', status: 200, request: http('GET', '/v1/cache/greeting?x=1', bearer(TOKENS.read)) },
  { name: 'PUT with a ttl among other parameters', listener: 'api', way: 'nest', status: 200, request: http('PUT', '/v1/cache/mixed?a=b&ttl=1m', bearer(TOKENS.rw), 'm') },
  { name: 'PUT with an escaped ttl', listener: 'api', way: 'nest', status: 200, request: http('PUT', '/v1/cache/escaped?ttl=1%6D', bearer(TOKENS.rw), 'e') },
  { name: 'GET a key with a character outside the plain set', listener: 'api', way: 'nest', status: 404, request: http('GET', '/v1/cache/a|b', bearer(TOKENS.read)) },
  { name: 'GET a path below a key → 404 route not found', listener: 'api', way: 'router', status: 404, request: http('GET', '/v1/cache/a/b', bearer(TOKENS.read)) },
  { name: 'GET with a trailing slash → 400 empty key', listener: 'api', way: 'nest', status: 400, request: http('GET', '/v1/cache/', bearer(TOKENS.read)) },
  { name: 'PUT with Expect: 100-continue', listener: 'api', way: 'nest', status: 200, request: http('PUT', '/v1/cache/expect', { ...bearer(TOKENS.rw), expect: '100-continue' }, 'x') },
  { name: 'PUT with an unsupported Expect → 417', listener: 'api', way: 'router', status: 417, unseen: true, request: http('PUT', '/v1/cache/expect', { ...bearer(TOKENS.rw), expect: 'teapot' }, 'x') },
  { name: 'POST on a key → 404 route not found', listener: 'api', way: 'router', status: 404, request: http('POST', '/v1/cache/greeting', bearer(TOKENS.rw), 'x') },
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
  { name: 'read a frame whose header length runs past the body → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/read', PEER_HEADERS, Buffer.from([0, 0, 1, 0, 0x7b])) },
  { name: 'read an empty body → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/read', PEER_HEADERS) },
  { name: 'coordinate an invalid operation → 400', listener: 'dist', way: 'hot', status: 400, request: http('POST', '/peer/coordinate', PEER_HEADERS, frame({ op: 'merge', key: 'fwd', consistency: 'one' })) },
  {
    name: 'replicate a chunked body over the message limit → 413', listener: 'dist', way: 'hot', status: 413,
    request: http('POST', '/peer/replicate', { ...PEER_HEADERS, 'transfer-encoding': 'chunked' }, `${(4 * MAX_VALUE_BYTES + 1024 * 1024 + 1).toString(16)}\r\n${'a'.repeat(4 * MAX_VALUE_BYTES + 1024 * 1024 + 1)}\r\n0\r\n\r\n`),
  },
  { name: 'read with a traceparent', listener: 'dist', way: 'hot', status: 200, request: http('POST', '/peer/read', { ...PEER_HEADERS, ...TRACEPARENT }, frame({ keys: ['peer-a'] })) },
  { name: 'read without naming a protocol version or a sender', listener: 'dist', way: 'hot', status: 200, request: http('POST', '/peer/read', bearer(PEER_TOKEN), frame({ keys: ['peer-b'] })) },
  { name: 'HTTP/1.0 read without Host', listener: 'dist', way: 'hot', status: 200, request: verbatim(['POST /peer/read HTTP/1.0', `Authorization: Bearer ${PEER_TOKEN}`, `Content-Length: ${frame({ keys: ['x'] }).length}`], frame({ keys: ['x'] }).toString('latin1')) },
  // Not exactly a hot route: left to Fastify, answered as before.
  { name: 'read with a query', listener: 'dist', way: 'nest', status: 200, request: http('POST', '/peer/read?x=1', PEER_HEADERS, frame({ keys: ['peer-a'] })) },
  { name: 'read with Expect: 100-continue', listener: 'dist', way: 'nest', status: 200, request: http('POST', '/peer/read', { ...PEER_HEADERS, expect: '100-continue' }, frame({ keys: ['peer-a'] })) },
  { name: 'HTTP/1.1 read without Host → 400', listener: 'dist', way: 'router', status: 400, request: verbatim(['POST /peer/read HTTP/1.1', 'Connection: close', `Authorization: Bearer ${PEER_TOKEN}`]) },
  { name: 'an unknown data-plane operation → 404 route not found', listener: 'dist', way: 'router', status: 404, request: http('POST', '/peer/merge', PEER_HEADERS, frame({ keys: [] })) },
  { name: 'GET on the read route → 404 route not found', listener: 'dist', way: 'router', status: 404, request: http('GET', '/peer/read', PEER_HEADERS) },
  { name: 'replicate without the peer token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/replicate', {}, frame({ source: 'replication', entries: [] })) },
  { name: 'read with a client token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/read', { ...PEER_HEADERS, ...bearer(TOKENS.rw) }, frame({ keys: ['peer-a'] })) },
  { name: 'coordinate with a wrong token → 401', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/coordinate', { ...PEER_HEADERS, ...bearer('nope') }, frame({})) },
  {
    name: 'replicate in the previous protocol major version (JSON, base64 values) → 400', listener: 'dist', way: 'nest', status: 400,
    request: http('POST', '/peer/replicate', { ...PEER_HEADERS, 'x-hypercache-protocol': String(PROTOCOL_VERSION - 1) }, JSON.stringify({ source: 'replication', entries: [] })),
  },
  { name: 'read with a malformed protocol version → 400', listener: 'dist', way: 'nest', status: 400, request: http('POST', '/peer/read', { ...PEER_HEADERS, 'x-hypercache-protocol': 'two' }, frame({ keys: ['peer-a'] })) },
  { name: 'read over the message limit without the peer token → 401 (auth before the body)', listener: 'dist', way: 'nest', status: 401, request: http('POST', '/peer/read', { 'content-length': String(4 * MAX_VALUE_BYTES + 1024 * 1024 + 1) }) },
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
let rawAnswers: MockInstance;
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const tracer = await initTracing({ nodeId: 'eq', version: '0-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  expect(tracer, 'tracing on for this file').toBeDefined();
  scopeGuard = vi.spyOn(ScopeGuard.prototype, 'canActivate');
  peerGuard = vi.spyOn(PeerGuard.prototype, 'canActivate');
  rawAnswers = vi.spyOn(RequestTrail.prototype, 'answered');
  const config = { authConfigFile: 'equivalence.json', distToken: PEER_TOKEN, maxValueBytes: MAX_VALUE_BYTES };
  hot = await startTestNode(config, { authFile: AUTH_FILE, clock: new ManualClock(START_MS) });
  nest = await startTestNode(config, { authFile: AUTH_FILE, clock: new ManualClock(START_MS), hotRoutes: false });
});

afterAll(async () => {
  await Promise.all([hot?.stop(), nest?.stop()]);
  await shutdownTracing();
  await receiver?.close();
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

/** The HTTP metric samples of the process (both nodes share the registry) as `labels → value`. */
async function httpSamples(): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const name of ['hypercache_http_requests_total', 'hypercache_http_request_duration_seconds']) {
    const metric = register.getSingleMetric(name) as unknown as { get(): Promise<{ values: Array<{ labels: object; value: number; metricName?: string }> }> };
    for (const v of (await metric.get()).values) {
      // The latency histogram by its count only: durations differ from run to run.
      if (v.metricName !== undefined && !v.metricName.endsWith('_count')) continue;
      samples.set(`${v.metricName ?? name} ${JSON.stringify(v.labels)}`, v.value);
    }
  }
  return samples;
}

/** What changed between two `httpSamples`. */
function sampleDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [k, v] of after) if (v !== (before.get(k) ?? 0)) delta[k] = v - (before.get(k) ?? 0);
  return delta;
}

/** A span as compared: everything but its IDs and times; the parent only as "the caller's" or not. */
const spanShape = (s: ReceivedSpan) => ({
  name: s.name, kind: s.kind, attributes: s.attributes, status: s.status, parent: s.parentSpanId === '' ? 'root' : s.parentSpanId,
});

interface Answer {
  bytes: Buffer;
  guardCalls: number;
  /** Requests answered from the raw request handler (ahead of Fastify), by their trail. */
  rawAnswers: number;
  metrics: Record<string, number>;
  spans: Array<ReturnType<typeof spanShape>>;
}

/** Sends `c` to one node; returns its answer, how many times the listener's Nest guard ran, and the metrics and spans it left. */
async function answer(node: TestNode, c: Case): Promise<Answer> {
  const guard = c.listener === 'api' ? scopeGuard : peerGuard;
  const before = guard.mock.calls.length;
  const rawBefore = rawAnswers.mock.calls.length;
  await flushTracing();
  const spansBefore = receiver.spans.length;
  const metricsBefore = await httpSamples();
  const bytes = await rawBytes(node.ports[c.listener], c.request, { timeoutMs: 10_000 });
  const requests = c.request.toString('latin1').split(/ HTTP\/1\.[01]\r\n/).length - 1;
  await flushTracing();
  const spans = (await receiver.waitFor((all) => all.length >= spansBefore + (c.unseen ? 0 : requests))).slice(spansBefore);
  return { bytes, guardCalls: guard.mock.calls.length - before, rawAnswers: rawAnswers.mock.calls.length - rawBefore, metrics: sampleDelta(metricsBefore, await httpSamples()), spans: spans.map(spanShape) };
}

describe.each([
  ['client listener', CLIENT_CASES],
  ['dist listener', PEER_CASES],
])('%s: hot route and Nest route answer byte for byte alike', (_listener, cases) => {
  it.each(cases)('$name', async (c) => {
    const fromHot = await answer(hot, c);
    const fromNest = await answer(nest, c);
    expect(comparable(fromHot.bytes)).toBe(comparable(fromNest.bytes));
    expect(fromHot.bytes.toString('latin1')).toMatch(new RegExp(`^(HTTP/1\\.1 100 Continue\r\n\r\n)?HTTP/1\\.[01] ${c.status} `));
    const requests = c.request.toString('latin1').split(/ HTTP\/1\.[01]\r\n/).length - 1;
    const guarded = c.way === 'router' ? 0 : requests;
    expect(fromNest.guardCalls, 'the Nest-only node runs the guard').toBe(guarded);
    expect(fromHot.guardCalls, c.way === 'hot' ? 'answered by the hot route' : 'left to Fastify and the Nest route').toBe(c.way === 'hot' ? 0 : guarded);
    expect(fromHot.rawAnswers, 'answered ahead of Fastify').toBe(c.way === 'hot' ? requests : 0);
    expect(fromNest.rawAnswers, 'the Nest-only node answers nothing ahead of Fastify').toBe(0);
    // The same HTTP metric series moved by the same amounts, and the same spans were recorded.
    const moved = (metric: string) => Object.entries(fromHot.metrics).filter(([k]) => k.startsWith(`${metric} `)).reduce((sum, [, n]) => sum + n, 0);
    expect(moved('hypercache_http_requests_total'), 'every request counted').toBe(c.unseen ? 0 : requests);
    expect(moved('hypercache_http_request_duration_seconds_count'), 'every request timed').toBe(c.unseen ? 0 : requests);
    expect(fromHot.metrics).toEqual(fromNest.metrics);
    expect(fromHot.spans.length).toBe(c.unseen ? 0 : requests);
    expect(fromHot.spans).toEqual(fromNest.spans);
  });
});
