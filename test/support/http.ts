import { request as httpRequest } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { expect } from 'vitest';
import type { ClusterNode } from './cluster.js';

/**
 * The one HTTP module for tests. Every helper answers a `RawResponse` (status, lower-cased headers,
 * body bytes) except the cluster cache calls, which answer a `Reply` and never throw:
 * - `send`: one request through node:http, only the headers given;
 * - `tlsRequest`: one request over TLS with client options (CA, client certificate, versions);
 * - `rawRequest` / `rawExchange`: bytes exactly as given on a fresh socket (`rawBytes`: the answer unparsed);
 * - `getJson` (+ `auth`, `TOKEN`): an authenticated JSON read through fetch;
 * - `put` / `get` / `del` / `head` / `ownersOf` / `distMetrics`: cache calls against a cluster node.
 */

/** The bearer token every test cluster is started with. */
export const TOKEN = 'cluster-token';

export const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

export interface RawResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends bytes exactly as given on a fresh connection and parses the answer (the request should say
 * `Connection: close`). `halfClose` ends the write side after sending, as a client that gave up would.
 */
export async function rawRequest(port: number, data: string | Buffer, opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  const [first] = await rawExchange(port, data, opts);
  if (first === undefined) throw new Error('no HTTP answer');
  return first;
}

/**
 * Sends bytes exactly as given on a fresh connection (several pipelined requests, say) and returns
 * every answer the server wrote before it closed the connection, in order. Answers are delimited by
 * `Content-Length`; an answer without one takes the rest of the stream. `tlsCa` speaks TLS,
 * trusting that CA.
 */
export async function rawExchange(
  port: number,
  data: string | Buffer,
  opts: { halfClose?: boolean; timeoutMs?: number; tlsCa?: Buffer } = {},
): Promise<RawResponse[]> {
  const answers = parseAnswers(await rawBytes(port, data, opts));
  if (answers.length === 0) throw new Error('no HTTP answer');
  return answers;
}

/**
 * Sends bytes exactly as given on a fresh connection and resolves with every byte the server wrote
 * until it closed the connection, unparsed (header case and order included).
 */
export function rawBytes(port: number, data: string | Buffer, opts: { halfClose?: boolean; timeoutMs?: number; tlsCa?: Buffer } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const send = () => {
      socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      if (opts.halfClose) socket.end();
    };
    const socket = opts.tlsCa
      ? tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: opts.tlsCa }, send)
      : net.connect(port, '127.0.0.1', send);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no complete answer in time'));
    }, opts.timeoutMs ?? 5000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Splits a byte stream into HTTP/1.1 answers (an interim 1xx answer has no body). */
function parseAnswers(all: Buffer): RawResponse[] {
  const answers: RawResponse[] = [];
  let at = 0;
  while (at < all.length) {
    const end = all.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine, ...lines] = all.subarray(at, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const status = Number(statusLine!.split(' ')[1]);
    const declared = headers['content-length'];
    const length = status < 200 ? 0 : declared === undefined ? all.length - end - 4 : Number(declared);
    answers.push({ status, headers, body: all.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return answers;
}

/** One request through node:http: only the headers given are sent (fetch adds its own). */
export function send(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: opts.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
          resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The JSON body of an answer. */
export function json<T = Record<string, unknown>>(r: RawResponse): T {
  return JSON.parse(r.body.toString('utf8')) as T;
}

/**
 * An error answer is exactly the `{error, code}` envelope as JSON: no stack trace, no Fastify
 * fields (`statusCode`, `FST_…`), nothing else; with `want`, that status and code.
 */
export function expectEnvelope(r: RawResponse, context: string, want?: { status: number; code: string }): void {
  if (want) expect(r.status, context).toBe(want.status);
  expect(r.headers['content-type'], context).toBe('application/json; charset=utf-8');
  const body = json(r);
  expect(Object.keys(body).sort(), context).toEqual(['code', 'error']);
  expect(typeof body.error, context).toBe('string');
  if (want) expect(body.code, context).toBe(want.code);
  else expect(body.code, context).toMatch(/^[A-Z_]+$/);
  expect(JSON.stringify(body), context).not.toMatch(/statusCode|FST_|\\n\s+at |\.ts:\d|\.js:\d|node_modules/);
}

export type ConnectOptions = NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'] & object;

/**
 * One request over a fresh undici Agent with the given TLS client options (CA, client certificate,
 * protocol versions), closed afterwards so no connection (and no certificate) carries over to the next call.
 * A failed handshake rejects: there is no HTTP response.
 */
export async function tlsRequest(
  url: string,
  connect: ConnectOptions,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const agent = new Agent({ connect });
  try {
    const res = await request(url, {
      dispatcher: agent,
      method: (opts.method ?? 'GET') as 'GET',
      headers: opts.headers,
      body: opts.body,
      signal: AbortSignal.timeout(5000),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers, body: Buffer.from(await res.body.arrayBuffer()) };
  } finally {
    await agent.destroy();
  }
}

export async function getJson<T>(base: string, path: string, token = TOKEN): Promise<{ status: number; body: T }> {
  const r = await fetch(`${base}${path}`, { headers: auth(token) });
  return { status: r.status, body: (await r.json()) as T };
}

export const mgmt = (n: ClusterNode) => `http://127.0.0.1:${n.ports.management}`;
export const client = (n: ClusterNode) => `http://127.0.0.1:${n.ports.client}`;

// ---- cache calls against a cluster node (every call bounded in time; transport failures are answers with status 0) ----

const CALL_TIMEOUT_MS = 10_000;

export interface Reply {
  status: number;
  /** Error code from the envelope, or the transport error code (status 0). */
  code?: string;
  acks?: string | null;
  version?: number;
  origin?: string;
  body?: string;
}

function transportError(err: unknown): Reply {
  const e = err as { cause?: { code?: string }; name?: string; code?: string };
  return { status: 0, code: e.cause?.code ?? e.code ?? e.name ?? 'ERROR' };
}

const url = (n: ClusterNode, key: string) => `${client(n)}/v1/cache/${encodeURIComponent(key)}`;

export async function put(n: ClusterNode, key: string, value: string, consistency = 'quorum'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-consistency': consistency },
      body: value,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const body = (await r.json()) as { code?: string; version?: number };
    return { status: r.status, code: body.code, acks: r.headers.get('x-cache-acks'), version: body.version };
  } catch (err) {
    return transportError(err);
  }
}

export async function del(n: ClusterNode, key: string, consistency = 'quorum'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { method: 'DELETE', headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const body = (await r.json()) as { code?: string; version?: number };
    return { status: r.status, code: body.code, acks: r.headers.get('x-cache-acks'), version: body.version };
  } catch (err) {
    return transportError(err);
  }
}

/** GET raw; `body` is the value on 200, `code` the error code otherwise. */
export async function get(n: ClusterNode, key: string, consistency = 'one'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const text = await r.text();
    if (r.status === 200) return { status: 200, body: text, version: Number(r.headers.get('x-cache-version')), origin: r.headers.get('x-cache-origin') ?? undefined };
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { status: r.status, code };
  } catch (err) {
    return transportError(err);
  }
}

export async function head(n: ClusterNode, key: string, consistency = 'one'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { method: 'HEAD', headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    await r.arrayBuffer();
    return { status: r.status, version: Number(r.headers.get('x-cache-version')), origin: r.headers.get('x-cache-origin') ?? undefined };
  } catch (err) {
    return transportError(err);
  }
}

export async function ownersOf(n: ClusterNode, key: string): Promise<string[]> {
  return (await getJson<{ owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)).body.owners;
}

export async function distMetrics(n: ClusterNode): Promise<Record<string, number>> {
  return (await getJson<Record<string, number>>(mgmt(n), '/dist/metrics')).body;
}

