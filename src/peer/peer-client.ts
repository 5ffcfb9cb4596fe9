import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { DistTlsMaterial } from '../config/load-files.js';
import { certificateAllowed, certificateNames } from '../config/peer-names.js';
import { peerToken } from './peer-auth.js';
import { PEER_HEADERS, PROTOCOL_VERSION } from './peer-protocol.js';
import { ATTR_PEER_ADDRESS, peerOp, traced } from '../tracing/peer-spans.js';
import { activeTracer } from '../tracing/tracing.js';

/** docs/peer-protocol.md §1: ≤ 16 connections per peer; idle sockets dropped after ≈ 4 s, before the server's 65 s. */
const CONNECTIONS_PER_PEER = 16;
const KEEP_ALIVE_MS = 4000;

export interface PeerClientOptions {
  nodeId: string;
  /** Sent as `Authorization: Bearer <token>` on every call. */
  token?: string;
  /** Peer mTLS: present this certificate and verify the peer against the CA, host name included. */
  tls?: DistTlsMaterial;
  /** With `tls`: the peer's certificate must also carry one of these names (`HYPERCACHE_DIST_TLS_ALLOWED_NAMES`). */
  allowedNames?: readonly string[];
  /** Larger responses fail the call (docs/peer-protocol.md §4). */
  maxResponseBytes: number;
  logger: Logger;
  /** Told of every call's outcome and duration (docs/api.md §2.4 `hypercache_peer_requests_total`). */
  observer?: PeerCallObserver;
}

export interface PeerCallObserver {
  peerRequest(op: string, outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
}

export interface PeerCall {
  method: 'GET' | 'POST';
  path: string;
  body?: Buffer | string;
  contentType?: string;
  /** Deadline of the whole call, body included. */
  timeoutMs: number;
}

export interface PeerReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class PeerResponseTooLargeError extends Error {
  override readonly name = 'PeerResponseTooLargeError';
}

/**
 * Outbound peer HTTP (docs/peer-protocol.md §1): one keep-alive pool per peer address, every call under its
 * own deadline, every response body read to the end or destroyed. Non-2xx answers are returned,
 * not thrown: what they mean belongs to the caller. Retries belong to the core (hints).
 */
export class PeerClient {
  private readonly pools = new Map<string, Pool>();
  private readonly headers: Record<string, string>;

  constructor(private readonly opts: PeerClientOptions) {
    this.headers = {
      [PEER_HEADERS.sender]: opts.nodeId,
      [PEER_HEADERS.protocol]: String(PROTOCOL_VERSION),
      ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
    };
  }

  /** `address` is the member's advertised `host:port`. Traced as span `peer <op>` when tracing is on. */
  call(address: string, call: PeerCall): Promise<PeerReply> {
    const op = peerOp(call.path);
    // Tracing off (the usual case): no span wrapper, no closure per call.
    const sent = activeTracer()
      ? traced(op, (trace) => this.send(address, call, trace), { [ATTR_PEER_ADDRESS]: address })
      : this.send(address, call, undefined);
    const observer = this.opts.observer;
    if (!observer) return sent;
    const start = performance.now();
    return sent.then(
      (reply) => {
        observer.peerRequest(op, reply.status >= 200 && reply.status < 300 ? 'ok' : 'error', (performance.now() - start) / 1000);
        return reply;
      },
      (err: unknown) => {
        observer.peerRequest(op, isTimeout(err) ? 'timeout' : 'error', (performance.now() - start) / 1000);
        throw err;
      },
    );
  }

  private async send(address: string, call: PeerCall, trace: Record<string, string> | undefined): Promise<PeerReply> {
    const headers = call.contentType === undefined ? this.headers : { ...this.headers, 'content-type': call.contentType };
    const deadline = new CallDeadline(call.timeoutMs);
    try {
      const res = await this.pool(address).request({
        method: call.method,
        path: call.path,
        headers: trace ? { ...headers, ...trace } : headers,
        body: call.body,
        signal: deadline as unknown as AbortSignal,
      });
      const reply = { status: res.statusCode, headers: res.headers, body: await readAll(res.body, this.opts.maxResponseBytes) };
      if (reply.status === 400) this.logProtocolRejection(address, reply.body);
      return reply;
    } finally {
      deadline.clear();
    }
  }

  /**
   * Closes every pool. Calls already made finish first (each is bounded by its own timeout), unless
   * `deadline` (epoch ms) passes first: then they are aborted.
   */
  async close(deadline = Infinity): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(
      pools.map(async (pool) => {
        const closing = pool.close();
        let timer: NodeJS.Timeout | undefined;
        const expired = Number.isFinite(deadline)
          ? new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))))
          : new Promise<never>(() => {});
        const inTime = await Promise.race([closing.then(() => true as const), expired]);
        clearTimeout(timer);
        if (!inTime) await pool.destroy();
      }),
    );
  }

  /** The host name check of `tls.connect`, then the names the peer's certificate must carry. */
  private readonly checkServer = (host: string, cert: PeerCertificate): Error | undefined => {
    const mismatch = checkServerIdentity(host, cert);
    if (mismatch !== undefined) return mismatch;
    const allowed = this.opts.allowedNames;
    if (allowed === undefined || allowed.length === 0 || certificateAllowed(allowed, cert)) return undefined;
    return Object.assign(
      new Error(`peer certificate of ${host} carries none of HYPERCACHE_DIST_TLS_ALLOWED_NAMES (${certificateNames(cert).join(', ') || 'no name'})`),
      { code: 'ERR_PEER_CERT_NAME_NOT_ALLOWED' },
    );
  };

  private pool(address: string): Pool {
    let pool = this.pools.get(address);
    if (!pool) {
      const tls = this.opts.tls;
      pool = new Pool(`${tls ? 'https' : 'http'}://${address}`, {
        connections: CONNECTIONS_PER_PEER,
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        // undici verifies the certificate against the CA and the origin's host name (or IP SAN); then the allowlist.
        ...(tls ? { connect: { cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: 'TLSv1.2' as const, checkServerIdentity: this.checkServer } } : {}),
      });
      this.pools.set(address, pool);
    }
    return pool;
  }

  /** docs/peer-protocol.md §1: a peer refusing our protocol version is logged at error (mixed-version cluster). */
  private logProtocolRejection(address: string, body: Buffer): void {
    let error: unknown;
    try {
      error = (JSON.parse(body.toString('utf8')) as { error?: unknown }).error;
    } catch {
      return;
    }
    if (typeof error === 'string' && error.startsWith('unsupported protocol version')) {
      this.opts.logger.error({ peer: address, protocol_version: PROTOCOL_VERSION, error }, 'peer rejected protocol version');
    }
  }
}

/** The client a node uses towards its peers: its ID, the peer token, the dist TLS material and names, and message limit. */
export function createPeerClient(config: HypercacheConfig, logger: Logger, tls?: DistTlsMaterial, observer?: PeerCallObserver): PeerClient {
  return new PeerClient({
    observer,
    nodeId: config.nodeId,
    token: peerToken(config),
    tls,
    allowedNames: config.distTls?.allowedNames,
    maxResponseBytes: peerMessageLimit(config.maxValueBytes),
    logger,
  });
}

/**
 * The deadline of one call, body included. Stands in for `AbortSignal.timeout(ms)` (undici accepts
 * any object with `addEventListener`/`removeEventListener`): one timer, cleared when the call ends,
 * instead of an AbortSignal, its never-cleared timer and a DOMException per call (≈ 3 % of a peer
 * call's CPU, bench/PROFILE.md "Peer path"). On expiry it aborts with the same
 * `DOMException('…', 'TimeoutError')` that `AbortSignal.timeout` uses.
 */
class CallDeadline {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  addEventListener(_type: 'abort', fn: () => void): void {
    this.listener = fn;
  }

  removeEventListener(_type: 'abort', fn: () => void): void {
    if (this.listener === fn) this.listener = undefined;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.listener = undefined;
  }

  private expire(): void {
    this.aborted = true;
    this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const fn = this.listener;
    this.listener = undefined;
    fn?.();
  }
}

/** Reads a response body to the end; over `limit` bytes the stream is destroyed (its socket is never left half-read). */
function readAll(body: Readable, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        const err = new PeerResponseTooLargeError(`peer response exceeds ${limit} bytes`);
        fail(err);
        body.destroy(err);
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    body.on('error', fail);
    // A stream closed before its end (no error given) still fails the call, as `for await` would.
    body.on('close', () => {
      if (!settled) fail(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

/** An aborted deadline (`AbortSignal.timeout`) or an undici connect/headers/body timeout. */
function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'TimeoutError' || (typeof e?.code === 'string' && e.code.startsWith('UND_ERR_') && e.code.endsWith('_TIMEOUT'));
}
