import type { ConnectionOptions } from 'node:tls';
import { ttlMs } from './duration.js';
import { ConnectionError, type ErrorCode, ForbiddenError, HypercacheError, UnauthorizedError, codeOf, errorOf } from './errors.js';
import { loadXxHash64 } from './generated/ring/xxhash64.js';
import type { Hash64 } from './generated/ring/hash-ring.js';
import { type Answer, NodePools, type Request, notSent } from './node-pools.js';
import {
  type BatchDeleteBody, type BatchGetBody, type BatchPutBody, type BatchPutRequest, type DeleteBody, type ListKeysBody, type PutBody,
  ROUTES, itemPath,
} from './routes.js';
import { Topology, type TopologyResponse, parseTopology } from './topology.js';

export type Consistency = 'one' | 'quorum' | 'all';

export interface ClientOptions {
  /** Base URLs of one or more nodes' client API (`http://host:8080`); the topology is loaded from any. */
  endpoints: string[];
  /** Bearer token sent on every request. */
  token?: string;
  /** How often the topology is reloaded in the background (ms, default 5000; 0 = only after failures). */
  refreshIntervalMs?: number;
  /** Per-request limit on waiting for the answer's headers and on body inactivity (ms, default 10 000). */
  timeoutMs?: number;
  /** Keep-alive connections per node (default 16). */
  connectionsPerNode?: number;
  /** TLS options for `https://` nodes (CA bundle, client certificate and key). */
  tls?: ConnectionOptions;
}

export interface ReadOptions {
  /** `X-Consistency` for this request (default: the node's `HYPERCACHE_READ_CONSISTENCY`). */
  consistency?: Consistency;
}

export interface DeleteOptions {
  /** `X-Consistency` for this request (default: the node's `HYPERCACHE_WRITE_CONSISTENCY`). */
  consistency?: Consistency;
  /** `If-Match`: `*`, an ETag (`"123"`) or a version number. A conditional write is never retried once sent. */
  ifMatch?: string | number;
}

export interface PutOptions extends DeleteOptions {
  /** Time to live: a Go duration (`5m`, `1h30m`) or whole milliseconds. Absent or 0: no expiry. */
  ttl?: string | number;
  /** `If-None-Match: *`: store only if the key is absent. */
  ifNoneMatch?: '*';
}

export interface PutResult {
  key: string;
  version: number;
  /** Owners that had confirmed when the coordinator answered (`X-Cache-Acks`). */
  acks: number;
  /** Owners counted for the level (`X-Cache-Acks` denominator). */
  n: number;
  owners: string[];
  /** The node that coordinated the write. */
  node: string;
  bytes: number;
  expiresAt?: string;
}

export interface DeleteResult {
  key: string;
  deleted: boolean;
  version: number;
  acks: number;
  n: number;
  owners: string[];
  node: string;
}

export interface Entry {
  value: Uint8Array;
  version: number;
  /** The strong ETag, `"<version>"`, for `ifMatch`. */
  etag: string;
  owners: string[];
  node: string;
}

export interface PutManyItem {
  key: string;
  value: string | Uint8Array;
  ttl?: string | number;
}

export type PutManyResult = BatchPutBody['results'][number];
export type DeleteManyResult = BatchDeleteBody['results'][number];
export type GetManyResult =
  | { key: string; found: true; value: Uint8Array; version: number; owners: string[] }
  | { key: string; found: false; error?: string; code?: ErrorCode };

export interface KeysOptions {
  /** Prefix or glob over the whole key (`user:*`); empty lists every key. */
  pattern?: string;
  /** Keys per page request (1–500, default 500). */
  pageSize?: number;
  /** Cap on the keys the cluster merges (`max`, default 10 000, at most 50 000). */
  max?: number;
}

/** What may be sent to the next candidate: reads on any failure, unconditional writes on all but `QUORUM_NOT_MET`, conditional writes only when nothing can have been applied. */
type Retry = 'read' | 'write' | 'conditional';

const DEFAULT_REFRESH_MS = 5_000;
const BATCH_LIMIT = 1000;
/** 503 codes that send a request on to the next candidate, per kind of operation. */
const RETRY_CODES: Record<Retry, ReadonlySet<string>> = {
  read: new Set(['DRAINING', 'UNAVAILABLE', 'QUORUM_NOT_MET']),
  write: new Set(['DRAINING', 'UNAVAILABLE']),
  conditional: new Set(['DRAINING']),
};

/**
 * A client of hypercache-server that computes each key's owners as the nodes do (from
 * `GET /v1/topology`) and sends every request straight to an owner, so no request costs a forward.
 * See README.md for routing, retries and errors.
 */
export class HypercacheClient {
  private readonly endpoints: string[];
  private readonly pools: NodePools;
  private readonly timer?: NodeJS.Timeout;
  private topology?: Topology;
  private loading?: Promise<Topology>;
  private hash?: Promise<Hash64>;
  private lastRefreshAt = 0;

  constructor(private readonly opts: ClientOptions) {
    if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0) throw new TypeError('endpoints: at least one base URL is required');
    this.endpoints = opts.endpoints.map((e) => {
      const u = new URL(e);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`endpoints: ${e} is not an http(s) URL`);
      return u.origin;
    });
    this.pools = new NodePools({ connections: opts.connectionsPerNode ?? 16, timeoutMs: opts.timeoutMs ?? 10_000, tls: opts.tls });
    const every = opts.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
    if (every > 0) {
      this.timer = setInterval(() => void this.refresh().catch(() => undefined), every);
      this.timer.unref();
    }
  }

  /** Loads the topology now (otherwise the first operation does). */
  async connect(): Promise<void> {
    await this.current();
  }

  /** The topology the client routes with (undefined before the first load). */
  get currentTopology(): TopologyResponse | undefined {
    return this.topology?.source;
  }

  /** owners(k), primary first, as the nodes compute it. */
  async owners(key: string): Promise<string[]> {
    return (await this.current()).owners(key);
  }

  /** Reloads the topology from any reachable node (one load at a time). */
  refresh(): Promise<Topology> {
    this.lastRefreshAt = Date.now();
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  async put(key: string, value: string | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const headers = this.writeHeaders(opts);
    if (opts.ifNoneMatch !== undefined) headers['if-none-match'] = opts.ifNoneMatch;
    headers['content-type'] = 'application/octet-stream';
    const ttl = opts.ttl === undefined ? '' : `?ttl=${encodeURIComponent(typeof opts.ttl === 'number' ? `${ttlMs(opts.ttl)}ms` : opts.ttl)}`;
    const a = await this.send(key, { method: 'PUT', path: itemPath(key) + ttl, headers, body: value }, retryOf(opts));
    const b = this.json<PutBody>(a, 200);
    return { key: b.key, version: b.version, ...acksOf(a), owners: b.owners, node: b.node, bytes: b.bytes, ...(b.expires_at !== undefined && { expiresAt: b.expires_at }) };
  }

  /** The value, or undefined when the key is missing, expired or deleted. */
  async get(key: string, opts: ReadOptions = {}): Promise<Uint8Array | undefined> {
    return (await this.getEntry(key, opts))?.value;
  }

  async getString(key: string, opts: ReadOptions = {}): Promise<string | undefined> {
    const v = await this.get(key, opts);
    return v === undefined ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  }

  async getJson<T = unknown>(key: string, opts: ReadOptions = {}): Promise<T | undefined> {
    const s = await this.getString(key, opts);
    return s === undefined ? undefined : (JSON.parse(s) as T);
  }

  /** The value with its version and ETag (for a compare-and-set with `ifMatch`). */
  async getEntry(key: string, opts: ReadOptions = {}): Promise<Entry | undefined> {
    if (key === 'keys') return this.getEntryByBatch(key, opts); // GET /v1/cache/keys is the key browser
    const a = await this.send(key, { method: 'GET', path: itemPath(key), headers: this.readHeaders(opts) }, 'read');
    if (a.status === 404 && codeOf(404, parseJson(a.body)) === 'NOT_FOUND') return undefined;
    if (a.status !== 200) throw this.error(a);
    const etag = header(a, 'etag') ?? '';
    return {
      value: a.body,
      version: Number(header(a, 'x-cache-version') ?? etag.replaceAll('"', '')),
      etag,
      owners: (header(a, 'x-cache-owners') ?? '').split(',').filter((o) => o !== ''),
      node: header(a, 'x-cache-node') ?? '',
    };
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    const a = await this.send(key, { method: 'DELETE', path: itemPath(key), headers: this.writeHeaders(opts) }, retryOf(opts));
    const b = this.json<DeleteBody>(a, 200);
    return { key: b.key, deleted: b.deleted, version: b.version, ...acksOf(a), owners: b.owners, node: b.node };
  }

  /** Stores every item, each batch sent to the items' primary owner. One result per item, in order; per-item failures do not throw. */
  async putMany(items: readonly PutManyItem[], opts: ReadOptions = {}): Promise<PutManyResult[]> {
    const wire: BatchPutRequest['items'] = items.map((it) => ({
      key: it.key,
      ...(typeof it.value === 'string'
        ? { value: it.value, value_encoding: 'utf8' as const }
        : { value: Buffer.from(it.value.buffer, it.value.byteOffset, it.value.byteLength).toString('base64'), value_encoding: 'base64' as const }),
      ...(it.ttl !== undefined && { ttl_ms: ttlMs(it.ttl) }),
    }));
    return this.batch<PutManyResult>(items.map((it) => it.key), ROUTES.batchPut, (idx) => ({ items: idx.map((i) => wire[i]) }), this.writeHeaders(opts), 'write');
  }

  /** Reads every key from its owners. One result per key, in order. */
  async getMany(keys: readonly string[], opts: ReadOptions = {}): Promise<GetManyResult[]> {
    const raw = await this.batch<BatchGetBody['results'][number]>(keys, ROUTES.batchGet, (idx) => ({ keys: idx.map((i) => keys[i]) }), this.readHeaders(opts), 'read');
    return raw.map((r) =>
      r.found
        ? { key: r.key, found: true, value: Buffer.from(r.value ?? '', 'base64'), version: r.version ?? 0, owners: r.owners ?? [] }
        : { key: r.key, found: false, ...(r.error !== undefined && { error: r.error }), ...(r.code !== undefined && { code: r.code as ErrorCode }) },
    );
  }

  /** Deletes every key at its owners. One result per key, in order; per-item failures do not throw. */
  async deleteMany(keys: readonly string[], opts: ReadOptions = {}): Promise<DeleteManyResult[]> {
    return this.batch<DeleteManyResult>(keys, ROUTES.batchDelete, (idx) => ({ keys: idx.map((i) => keys[i]) }), this.writeHeaders(opts), 'write');
  }

  /** Every live key of the cluster matching `pattern`, in UTF-8 byte order (paged through `GET /v1/cache/keys`). */
  async *keys(opts: KeysOptions = {}): AsyncGenerator<string> {
    let cursor = '0';
    while (cursor !== '') {
      const q = new URLSearchParams({ q: opts.pattern ?? '', limit: String(opts.pageSize ?? 500), cursor, ...(opts.max !== undefined && { max: String(opts.max) }) });
      const a = await this.send(undefined, { method: 'GET', path: `${ROUTES.keys}?${q}`, headers: this.readHeaders({}) }, 'read');
      const page = this.json<ListKeysBody>(a, 200);
      yield* page.keys;
      cursor = page.next_cursor;
    }
  }

  /** Stops the background refresh and closes every connection. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pools.close();
  }

  private current(): Promise<Topology> {
    return this.topology ? Promise.resolve(this.topology) : this.refresh();
  }

  /** After a failure: reload soon, at most once per 100 ms, without making the caller wait. */
  private refreshSoon(): void {
    if (this.loading || Date.now() - this.lastRefreshAt < 100) return;
    void this.refresh().catch(() => undefined);
  }

  private async load(): Promise<Topology> {
    const hash = await (this.hash ??= loadXxHash64());
    let last: unknown;
    for (const url of unique([...(this.topology?.candidates() ?? []), ...this.endpoints])) {
      try {
        const a = await this.pools.request(url, { method: 'GET', path: ROUTES.topology, headers: this.readHeaders({}) });
        if (a.status !== 200) throw this.error(a);
        this.topology = new Topology(parseTopology(parseJson(a.body)), hash);
        return this.topology;
      } catch (err) {
        if (err instanceof UnauthorizedError || err instanceof ForbiddenError) throw err;
        last = err;
      }
    }
    throw new ConnectionError('no endpoint answered GET /v1/topology', 'CONNECTION', 0, undefined, { cause: last });
  }

  /**
   * Sends a request to the first candidate for `key` (its primary, alive owners first), then to the
   * next owner and any other node on connection errors, `503 UNAVAILABLE` or `503 DRAINING` (a read
   * also on `503 QUORUM_NOT_MET`). A conditional write moves on only when it cannot have been
   * applied (not connected, `DRAINING`).
   */
  private async send(key: string | undefined, req: Request, retry: Retry): Promise<Answer> {
    const topology = await this.current();
    let lastAnswer: Answer | undefined;
    let lastError: unknown;
    for (const url of unique([...topology.candidates(key), ...this.endpoints])) {
      let a: Answer;
      try {
        a = await this.pools.request(url, req);
      } catch (err) {
        this.refreshSoon();
        lastError = err;
        if (retry !== 'conditional' || notSent(err)) continue;
        throw new ConnectionError(`${req.method} to ${url} failed after it was sent; a conditional write is not retried`, 'CONNECTION', 0, undefined, { cause: err });
      }
      if (a.status === 503 && RETRY_CODES[retry].has(codeOf(503, parseJson(a.body)))) {
        this.refreshSoon();
        lastAnswer = a;
        continue;
      }
      return a;
    }
    if (lastAnswer) return lastAnswer;
    throw new ConnectionError(`no node reachable for ${req.method} ${req.path.split('?')[0]}`, 'CONNECTION', 0, undefined, { cause: lastError });
  }

  /**
   * A batch split per owner: each item goes with the others of the same first candidate (its primary),
   * in requests of at most 1000 items. Items answered with a code that `retry` allows, and items of
   * a request that failed, move to their next candidate; the batch operations are unconditional, so
   * that is safe.
   */
  private async batch<R extends { key: string; code?: string }>(
    keys: readonly string[],
    path: string,
    body: (indexes: number[]) => unknown,
    headers: Record<string, string>,
    retry: Retry,
  ): Promise<R[]> {
    const topology = await this.current();
    const candidates = keys.map((k) => unique([...topology.candidates(k), ...this.endpoints]));
    const step = keys.map(() => 0);
    const out: R[] = new Array(keys.length);
    let pending = keys.map((_, i) => i);
    let lastError: unknown;
    while (pending.length > 0) {
      const groups = new Map<string, number[]>();
      for (const i of pending) {
        const url = candidates[i]![step[i]!]!;
        groups.set(url, [...(groups.get(url) ?? []), i]);
      }
      const next: number[] = [];
      const advance = (i: number, last?: R): void => {
        if (++step[i]! < candidates[i]!.length) next.push(i);
        else if (last) out[i] = last;
        else throw new ConnectionError(`no node reachable for ${keys[i]}`, 'CONNECTION', 0, undefined, { cause: lastError });
      };
      const requests = [...groups].flatMap(([url, idx]) => chunks(idx, BATCH_LIMIT).map((chunk) => ({ url, chunk })));
      await Promise.all(
        requests.map(async ({ url, chunk }) => {
          let a: Answer;
          try {
            a = await this.pools.request(url, { method: 'POST', path, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body(chunk)) });
          } catch (err) {
            this.refreshSoon();
            lastError = err;
            for (const i of chunk) advance(i);
            return;
          }
          const results = this.json<{ results: R[] }>(a, 200).results;
          chunk.forEach((i, j) => {
            const r = results[j]!;
            if (r.code !== undefined && RETRY_CODES[retry].has(r.code)) {
              this.refreshSoon();
              advance(i, r);
            } else out[i] = r;
          });
        }),
      );
      pending = next;
    }
    return out;
  }

  private async getEntryByBatch(key: string, opts: ReadOptions): Promise<Entry | undefined> {
    const [r] = await this.getMany([key], opts);
    if (!r || !r.found) {
      if (r?.code !== undefined) throw new HypercacheError(r.error ?? r.code, r.code, 0);
      return undefined;
    }
    return { value: r.value, version: r.version, etag: `"${r.version}"`, owners: r.owners, node: '' };
  }

  private json<T>(a: Answer, status: number): T {
    if (a.status !== status) throw this.error(a);
    return parseJson(a.body) as T;
  }

  private error(a: Answer): HypercacheError {
    return errorOf(a.status, parseJson(a.body), { node: header(a, 'x-cache-node'), etag: header(a, 'etag'), acks: header(a, 'x-cache-acks') });
  }

  private readHeaders(opts: ReadOptions): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.opts.token !== undefined) h.authorization = `Bearer ${this.opts.token}`;
    if (opts.consistency !== undefined) h['x-consistency'] = opts.consistency;
    return h;
  }

  private writeHeaders(opts: DeleteOptions): Record<string, string> {
    const h = this.readHeaders(opts);
    if (opts.ifMatch !== undefined) h['if-match'] = etagOf(opts.ifMatch);
    return h;
  }
}

function retryOf(opts: PutOptions | DeleteOptions): Retry {
  return opts.ifMatch !== undefined || ('ifNoneMatch' in opts && opts.ifNoneMatch !== undefined) ? 'conditional' : 'write';
}

/** `*` and ETags as given; a version number (or its digits) as the strong ETag `"<version>"`. */
function etagOf(v: string | number): string {
  return typeof v === 'number' || /^[0-9]+$/.test(v) ? `"${v}"` : v;
}

function acksOf(a: Answer): { acks: number; n: number } {
  const [acks, n] = (header(a, 'x-cache-acks') ?? '').split('/').map(Number);
  return { acks: acks ?? 0, n: n ?? 0 };
}

function header(a: Answer, name: string): string | undefined {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
