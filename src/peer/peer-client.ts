import type { IncomingHttpHeaders } from 'node:http';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { DistTlsMaterial } from '../config/load-files.js';
import { certificateAllowed, certificateNames } from '../config/peer-names.js';
import { peerToken } from './peer-auth.js';
import { PEER_HEADERS, PROTOCOL_VERSION } from './peer-protocol.js';
import { ATTR_PEER_ADDRESS, peerOp, traced } from '../tracing/peer-spans.js';
import { Pool } from './undici-pool.js';
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
  /** `headers` plus each content type sent so far: built once, not per call. */
  private readonly typedHeaders = new Map<string, Record<string, string>>();
  /** The peer `op` of each path without a query called so far (a handful of fixed paths). */
  private readonly ops = new Map<string, string>();

  constructor(private readonly opts: PeerClientOptions) {
    this.headers = {
      [PEER_HEADERS.sender]: opts.nodeId,
      [PEER_HEADERS.protocol]: String(PROTOCOL_VERSION),
      ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
    };
  }

  /** `address` is the member's advertised `host:port`. Traced as span `peer <op>` when tracing is on. */
  call(address: string, call: PeerCall): Promise<PeerReply> {
    const op = this.opOf(call.path);
    // Tracing off (the usual case): no span wrapper, no closure per call.
    return activeTracer()
      ? traced(op, (trace) => this.send(address, op, call, trace), { [ATTR_PEER_ADDRESS]: address })
      : this.send(address, op, call, undefined);
  }

  /**
   * One call through undici's dispatch API: the answer is collected straight from the connection's
   * parser (bench/PROFILE.md "Issue 18": no response stream, no abort signal per call). The outcome
   * and duration go to the observer as the exchange settles, without a promise of their own.
   */
  private send(address: string, op: string, call: PeerCall, trace: Record<string, string> | undefined): Promise<PeerReply> {
    const headers = this.headersFor(call.contentType);
    const observer = this.opts.observer;
    const start = observer ? performance.now() : 0;
    return new Promise<PeerReply>((resolve, reject) => {
      const exchange = new PeerExchange(this.opts.maxResponseBytes, call.timeoutMs, (reply) => {
        observer?.peerRequest(op, reply.status >= 200 && reply.status < 300 ? 'ok' : 'error', (performance.now() - start) / 1000);
        if (reply.status === 400) this.logProtocolRejection(address, reply.body);
        resolve(reply);
      }, (err) => {
        observer?.peerRequest(op, isTimeout(err) ? 'timeout' : 'error', (performance.now() - start) / 1000);
        reject(err);
      });
      try {
        this.pool(address).dispatch({
          method: call.method,
          path: call.path,
          headers: trace ? { ...headers, ...trace } : headers,
          body: call.body ?? null,
        }, exchange);
      } catch (err) {
        exchange.onResponseError(null, err as Error);
      }
    });
  }

  private opOf(path: string): string {
    let op = this.ops.get(path);
    if (op === undefined) {
      op = peerOp(path);
      if (!path.includes('?')) this.ops.set(path, op);
    }
    return op;
  }

  private headersFor(contentType: string | undefined): Record<string, string> {
    if (contentType === undefined) return this.headers;
    let headers = this.typedHeaders.get(contentType);
    if (!headers) {
      headers = { ...this.headers, 'content-type': contentType };
      this.typedHeaders.set(contentType, headers);
    }
    return headers;
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
 * One call's exchange with undici (its dispatch handler): the whole answer collected in memory up to
 * `limit` bytes, under one deadline that covers the queue, the request and the body. Over the limit
 * or past the deadline the request is aborted (undici destroys its socket, never left half-read);
 * the deadline fails with the `DOMException('…', 'TimeoutError')` that `AbortSignal.timeout` uses.
 * One timer per call, cleared at the end, and no response stream (bench/PROFILE.md "Peer path", "Issue 18").
 */
class PeerExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private failure: Error | undefined;
  private settled = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limit: number,
    timeoutMs: number,
    private readonly resolve: (reply: PeerReply) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
    this.timer.unref();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Expired while queued for a connection: never sent.
    if (this.failure) controller.abort(this.failure);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.limit) this.abort(new PeerResponseTooLargeError(`peer response exceeds ${this.limit} bytes`));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settle()) this.resolve({ status: this.status, headers: this.headers, body: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size) });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.settle()) this.reject(err);
  }

  private abort(err: Error): void {
    if (this.settled) return;
    this.failure = err;
    this.controller?.abort(err);
    // Before the request started (queued), or if undici reports nothing back: fail the call now.
    if (this.settle()) this.reject(err);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    return true;
  }
}

/** An aborted deadline (`AbortSignal.timeout`) or an undici connect/headers/body timeout. */
function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'TimeoutError' || (typeof e?.code === 'string' && e.code.startsWith('UND_ERR_') && e.code.endsWith('_TIMEOUT'));
}
