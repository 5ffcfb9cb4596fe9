import type { HypercacheConfig } from '../config/config.types.js';
import { CacheError, Errors } from '../core/errors.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { NOT_LOCAL, type Preconditions, type WriteOutcome } from '../core/node.types.js';
import type { ItemEntry } from '../core/store/entry.js';
import type { Clock } from '../core/time/clock.js';
import { type EtagCondition, conditionMatches, etagOf, parseEtagCondition } from './conditional-headers.js';
import { parseConsistency } from './consistency-header.js';
import { type HeaderSink, ItemHeaders } from './item-headers.js';
import { type ItemEnvelope, itemFields } from './item-view.js';
import { requireKey } from './key-param.js';
import { parseTtlParam } from './ttl-param.js';

export interface PutResponse {
  key: string;
  stored: true;
  ttl_ms?: number;
  expires_at?: string;
  bytes: number;
  version: number;
  node: string;
  owners: string[];
}

export interface DeleteResponse {
  key: string;
  deleted: true;
  version: number;
  node: string;
  owners: string[];
}

/** The part of a reply the operations write: status and headers (a Fastify reply is one, so is a `RawReply`). */
export interface ReplyHead extends HeaderSink {
  code(status: number): unknown;
}

/** The request headers the single-key operations read (docs/api.md §1.2, §1.9). */
export interface KeyRequestHeaders {
  accept?: string | undefined;
  'x-consistency'?: string | undefined;
  'if-match'?: string | undefined;
  'if-none-match'?: string | undefined;
}

/** What the operations call: the node, the default consistency levels and the clock. */
export interface CacheOpsDeps {
  node: CacheNodeApi;
  config: Pick<HypercacheConfig, 'readConsistency' | 'writeConsistency'>;
  clock: Clock;
}

/** A value, or a promise of it when the operation had to wait (a read through peers). */
export type MaybePromise<T> = T | Promise<T>;

const OCTET_STREAM = 'application/octet-stream';
const JSON_ACCEPT = /application\/json/i;

/**
 * The single-key operations of docs/api.md §1.3–§1.7, one implementation for both ways a request
 * reaches them: the Nest `CacheController` and the client fast path (client-fast-path.ts). Each
 * takes the raw `{key}` segment and the headers, writes status and headers to `reply`, and returns
 * the body (a Buffer is sent as is, an object as JSON, undefined as no body). Errors are thrown as
 * `CacheError`s and leave through the error envelope.
 */
export class CacheOps {
  private readonly headers = new ItemHeaders();

  constructor(private readonly deps: CacheOpsDeps) {}

  /**
   * PUT: `value` is the body read within MAX_VALUE_BYTES (size before validation, docs/auth.md §7).
   * A write no peer takes part in (this node the key's only owner) is applied and answered
   * synchronously, like a local GET: the answer itself, or the error thrown; otherwise a promise.
   */
  put(rawKey: string | undefined, value: Buffer, ttl: string | undefined, h: KeyRequestHeaders, reply: ReplyHead): MaybePromise<PutResponse> {
    const key = requireKey(rawKey);
    const ttlMs = parseTtlParam(ttl);
    const level = parseConsistency(h['x-consistency'], this.deps.config.writeConsistency);
    const preconditions = writePreconditions(h['if-match'], h['if-none-match'], true);
    const cmd = { key, value, ttlMs, consistency: level, preconditions };
    const local = this.deps.node.putLocal(cmd);
    if (local !== NOT_LOCAL) return this.stored(key, value.length, ttlMs, local, reply);
    return this.deps.node.put(cmd).then((out) => this.stored(key, value.length, ttlMs, out, reply));
  }

  /**
   * GET: the raw value, or the JSON envelope when `Accept` names application/json (docs/api.md
   * §1.5). A read this node answers from its own copy (at ONE on an owner) is synchronous: no
   * promise, the answer is returned directly; otherwise a promise of it.
   */
  get(rawKey: string | undefined, h: KeyRequestHeaders, reply: ReplyHead): MaybePromise<Buffer | ItemEnvelope | undefined> {
    return this.read(rawKey, h, reply, true);
  }

  /** HEAD: GET's headers; the returned value only sets Content-Length (Node writes no body for HEAD). Synchronous like GET. */
  head(rawKey: string | undefined, h: KeyRequestHeaders, reply: ReplyHead): MaybePromise<Buffer | undefined> {
    return this.read(rawKey, h, reply, false) as MaybePromise<Buffer | undefined>;
  }

  /** DELETE: synchronous when no peer takes part, like PUT. */
  delete(rawKey: string | undefined, h: KeyRequestHeaders, reply: ReplyHead): MaybePromise<DeleteResponse> {
    const key = requireKey(rawKey);
    const level = parseConsistency(h['x-consistency'], this.deps.config.writeConsistency);
    const preconditions = writePreconditions(h['if-match'], h['if-none-match'], false);
    const cmd = { key, consistency: level, preconditions };
    const local = this.deps.node.deleteLocal(cmd);
    if (local !== NOT_LOCAL) return this.deleted(key, local, reply);
    return this.deps.node.delete(cmd).then((out) => this.deleted(key, out, reply));
  }

  /** PUT's answer: the new version's ETag and acks, and the JSON body (docs/api.md §1.3). */
  private stored(key: string, bytes: number, ttlMs: number, out: WriteOutcome, reply: ReplyHead): PutResponse {
    reply.header('etag', etagOf(out.version));
    ackHeader(reply, out);
    return {
      key,
      stored: true,
      ...(ttlMs > 0 && { ttl_ms: ttlMs, expires_at: new Date(out.expiresAt).toISOString() }),
      bytes,
      version: out.version,
      node: this.deps.node.nodeId,
      owners: out.owners,
    };
  }

  private deleted(key: string, out: WriteOutcome, reply: ReplyHead): DeleteResponse {
    ackHeader(reply, out);
    return { key, deleted: true, version: out.version, node: this.deps.node.nodeId, owners: out.owners };
  }

  /** GET/HEAD: the local read answered at once, a read that needs peers through the node's `get`. */
  private read(rawKey: string | undefined, h: KeyRequestHeaders, reply: ReplyHead, envelope: boolean): MaybePromise<Buffer | ItemEnvelope | undefined> {
    const key = requireKey(rawKey);
    const level = parseConsistency(h['x-consistency'], this.deps.config.readConsistency);
    const condition = parseEtagCondition('If-None-Match', h['if-none-match']);
    const local = this.deps.node.getLocal(key, level);
    if (local !== NOT_LOCAL) return this.answer(key, local, condition, envelope ? h.accept : undefined, reply);
    return this.deps.node.get(key, level).then((item) => this.answer(key, item, condition, envelope ? h.accept : undefined, reply));
  }

  /**
   * The answer to a GET/HEAD for `item`: missing → 404; the item's headers; 304 and no body when
   * If-None-Match matches it; else the raw value, or the JSON envelope when `accept` names JSON.
   */
  private answer(key: string, item: ItemEntry | undefined, condition: EtagCondition | undefined, accept: string | undefined, reply: ReplyHead): Buffer | ItemEnvelope | undefined {
    if (!item) throw Errors.notFound();
    const owners = this.deps.node.owners(key);
    const now = this.deps.clock.now();
    this.headers.write(reply, item, owners, now);
    if (condition !== undefined && conditionMatches(condition, item.version)) {
      reply.code(304);
      return undefined;
    }
    if (accept !== undefined && JSON_ACCEPT.test(accept)) {
      return { key: item.key, ...itemFields(item, now), node: this.deps.node.nodeId, owners };
    }
    reply.header('content-type', OCTET_STREAM);
    return item.value;
  }
}

/** If-Match (list or `*`) and If-None-Match (`*` on PUT only; never on DELETE) → core preconditions. */
function writePreconditions(ifMatch: string | undefined, ifNoneMatch: string | undefined, isPut: boolean): Preconditions | undefined {
  const match = parseEtagCondition('If-Match', ifMatch);
  if (ifNoneMatch !== undefined && (!isPut || ifNoneMatch.trim() !== '*')) {
    throw new CacheError('BAD_REQUEST', 'invalid If-None-Match header');
  }
  if (match === undefined && ifNoneMatch === undefined) return undefined;
  return { ...(match !== undefined && { ifMatch: match }), ...(ifNoneMatch !== undefined && { ifNoneMatchAny: true }) };
}

function ackHeader(reply: ReplyHead, out: WriteOutcome): void {
  reply.header('x-cache-acks', `${out.acks}/${out.n}`);
}
