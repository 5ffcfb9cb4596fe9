import { request as httpRequest } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { expect } from 'vitest';

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
export function rawExchange(
  port: number,
  data: string | Buffer,
  opts: { halfClose?: boolean; timeoutMs?: number; tlsCa?: Buffer } = {},
): Promise<RawResponse[]> {
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
      const answers = parseAnswers(Buffer.concat(chunks));
      if (answers.length === 0) reject(new Error('no HTTP answer'));
      else resolve(answers);
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
