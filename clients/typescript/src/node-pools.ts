import { Pool } from 'undici';
import type { ConnectionOptions } from 'node:tls';

export interface Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The base URL that answered. */
  url: string;
}

export interface PoolOptions {
  /** Keep-alive connections per node. */
  connections: number;
  /** Per-request limit on waiting for the headers and on body inactivity. */
  timeoutMs: number;
  /** TLS options for `https://` members (CA, client certificate). */
  tls?: ConnectionOptions;
}

/** One keep-alive connection pool per node base URL, created on first use. */
export class NodePools {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  async request(url: string, req: Request): Promise<Answer> {
    const res = await this.pool(url).request({
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: req.body,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body, url };
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  private pool(url: string): Pool {
    if (this.closed) throw new Error('client is closed');
    let pool = this.pools.get(url);
    if (!pool) {
      pool = new Pool(url, {
        connections: this.opts.connections,
        keepAliveTimeout: 30_000,
        ...(this.opts.tls && url.startsWith('https:') && { connect: this.opts.tls }),
      });
      this.pools.set(url, pool);
    }
    return pool;
  }
}

/** Errors raised before the request could have reached the node: safe to send elsewhere, whatever the operation. */
export function notSent(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH';
}
