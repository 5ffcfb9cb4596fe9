import { request as httpRequest } from 'node:http';
import net from 'node:net';

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
export function rawRequest(port: number, data: string | Buffer, opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      if (opts.halfClose) socket.end();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no complete answer in time'));
    }, opts.timeoutMs ?? 5000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP answer (${all.length} bytes)`));
      const [statusLine, ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: all.subarray(end + 4) });
    });
  });
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
