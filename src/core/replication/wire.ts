import type { Consistency } from '../../config/config.types.js';
import { NODE_ID_PATTERN } from '../../config/patterns.js';
import { isValidKey } from '../keys/key-codec.js';
import type { Preconditions } from '../node.types.js';
import type { Entry } from '../store/entry.js';
import type { ApplySource } from '../store/store-events.js';
import { type FrameReader, type ValueSink, WireError } from './frame.js';

export { WireError };

/**
 * The schema of the data-plane peer messages (docs/peer-protocol.md §2, §3): the header of their
 * frame (frame.ts). A value travels as raw bytes in the frame's tail; the header carries its
 * length in `value_len`. Every time is absolute epoch milliseconds. Parsers validate the whole
 * message before anything is applied.
 */
export interface WireItem {
  kind: 'item';
  key: string;
  version: number;
  origin: string;
  updated_at: number;
  expires_at: number;
  value_len: number;
}

export interface WireTombstone {
  kind: 'tombstone';
  key: string;
  version: number;
  origin: string;
  deleted_at: number;
}

export type WireEntry = WireItem | WireTombstone;

/** Sources a `replicate` may carry; hard applies for the first three, soft for the others (docs/single-node.md §2). */
export const REPLICATE_SOURCES = ['replication', 'hint', 'handoff', 'repair', 'merkle', 'migration'] as const;
export type ReplicateSource = (typeof REPLICATE_SOURCES)[number] & ApplySource;
export const HARD_SOURCES: ReadonlySet<ReplicateSource> = new Set(['replication', 'hint', 'handoff']);

export interface ReplicateRequest {
  source: ReplicateSource;
  entries: Entry[];
}
export type ReplicateResult = 'applied' | 'stale';

export interface CoordinateRequest {
  op: 'put' | 'delete';
  key: string;
  /** Present for `put` only. */
  value?: Buffer;
  ttlMs: number;
  consistency: Consistency;
  preconditions?: Preconditions;
}

/** The data of the client answer a coordinator produced (docs/cluster.md §4 relay). */
export type CoordinateReply =
  | { ok: true; version: number; acks: number; n: number; owners: string[]; expiresAt: number }
  | { ok: false; status: number; code: string; error: string; version?: number; acks?: number; n?: number; owners?: string[] };

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const CONSISTENCY: ReadonlySet<string> = new Set(['one', 'quorum', 'all']);

// ---- encoding ----

/** The header form of an entry; an item's value goes to the frame's tail. */
export function encodeEntry(e: Entry, frame: ValueSink): WireEntry {
  if (e.kind === 'item') {
    return {
      kind: 'item', key: e.key, version: e.version, origin: e.origin,
      updated_at: e.updatedAt, expires_at: e.expiresAt, value_len: frame.value(e.value),
    };
  }
  return { kind: 'tombstone', key: e.key, version: e.version, origin: e.origin, deleted_at: e.deletedAt };
}

export function encodeCoordinate(req: CoordinateRequest, frame: ValueSink): Record<string, unknown> {
  return {
    op: req.op,
    key: req.key,
    ...(req.op === 'put' ? { value_len: frame.value(req.value ?? Buffer.alloc(0)) } : {}),
    ttl_ms: req.ttlMs,
    consistency: req.consistency,
    ...(req.preconditions?.ifMatch !== undefined ? { if_match: req.preconditions.ifMatch } : {}),
    ...(req.preconditions?.ifNoneMatchAny ? { if_none_match_any: true } : {}),
  };
}

// ---- validation ----

function obj(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WireError(`${at}: expected an object`);
  return v as Record<string, unknown>;
}

function time(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new WireError(`${at}: expected epoch milliseconds`);
  return v;
}

export function parseKey(v: unknown, at: string): string {
  if (!isValidKey(v)) throw new WireError(`${at}: invalid key`);
  return v;
}

export function parseVersion(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_SAFE) throw new WireError(`${at}: invalid version`);
  return v;
}

function parseOrigin(v: unknown, at: string): string {
  if (typeof v !== 'string' || !NODE_ID_PATTERN.test(v)) throw new WireError(`${at}: invalid origin`);
  return v;
}

/** Validates one entry of a header; an item's value is taken from `frame`'s tail. */
export function parseEntry(v: unknown, at: string, maxValueBytes: number, frame: FrameReader): Entry {
  const o = obj(v, at);
  const key = parseKey(o.key, `${at}.key`);
  const version = parseVersion(o.version, `${at}.version`);
  const origin = parseOrigin(o.origin, `${at}.origin`);
  if (o.kind === 'item') {
    return {
      kind: 'item', key, version, origin,
      updatedAt: time(o.updated_at, `${at}.updated_at`),
      expiresAt: time(o.expires_at, `${at}.expires_at`),
      value: frame.take(o.value_len, `${at}.value_len`, maxValueBytes),
    };
  }
  if (o.kind === 'tombstone') return { kind: 'tombstone', key, version, origin, deletedAt: time(o.deleted_at, `${at}.deleted_at`) };
  throw new WireError(`${at}.kind: expected item or tombstone`);
}

function list(v: unknown, at: string, min = 1): unknown[] {
  if (!Array.isArray(v) || v.length < min) throw new WireError(`${at}: expected a non-empty array`);
  return v;
}

export function parseReplicateRequest(frame: FrameReader, maxValueBytes: number): ReplicateRequest {
  const o = obj(frame.header, 'message');
  if (typeof o.source !== 'string' || !(REPLICATE_SOURCES as readonly string[]).includes(o.source)) {
    throw new WireError('source: invalid source');
  }
  const entries = list(o.entries, 'entries').map((e, i) => parseEntry(e, `entries[${i}]`, maxValueBytes, frame));
  return { source: o.source as ReplicateSource, entries };
}

export function parseReplicateReply(doc: unknown, count: number): ReplicateResult[] {
  const results = obj(doc, 'reply').results;
  if (!Array.isArray(results) || results.length !== count || !results.every((r) => r === 'applied' || r === 'stale')) {
    throw new WireError('results: invalid');
  }
  return results as ReplicateResult[];
}

export function parseReadRequest(doc: unknown): string[] {
  return list(obj(doc, 'message').keys, 'keys').map((k, i) => parseKey(k, `keys[${i}]`));
}

export function parseReadReply(frame: FrameReader, count: number, maxValueBytes: number): (Entry | undefined)[] {
  const entries = obj(frame.header, 'reply').entries;
  if (!Array.isArray(entries) || entries.length !== count) throw new WireError('entries: invalid');
  return entries.map((e, i) => (e === null ? undefined : parseEntry(e, `entries[${i}]`, maxValueBytes, frame)));
}

function parsePreconditions(o: Record<string, unknown>): Preconditions | undefined {
  const pre: Preconditions = {};
  if (o.if_match !== undefined) {
    if (o.if_match === '*') pre.ifMatch = '*';
    else pre.ifMatch = list(o.if_match, 'if_match').map((v, i) => parseVersion(v, `if_match[${i}]`));
  }
  if (o.if_none_match_any !== undefined) {
    if (typeof o.if_none_match_any !== 'boolean') throw new WireError('if_none_match_any: expected a boolean');
    if (o.if_none_match_any) pre.ifNoneMatchAny = true;
  }
  return pre.ifMatch === undefined && !pre.ifNoneMatchAny ? undefined : pre;
}

export function parseCoordinateRequest(frame: FrameReader, maxValueBytes: number): CoordinateRequest {
  return parseCoordinateOp(frame.header, frame, maxValueBytes);
}

/** One `coordinate` operation: the whole header, or one element of a batched call's `ops`; its value is the frame's next. */
export function parseCoordinateOp(doc: unknown, frame: FrameReader, maxValueBytes: number): CoordinateRequest {
  const o = obj(doc, 'message');
  if (o.op !== 'put' && o.op !== 'delete') throw new WireError('op: expected put or delete');
  const key = parseKey(o.key, 'key');
  if (typeof o.consistency !== 'string' || !CONSISTENCY.has(o.consistency)) throw new WireError('consistency: invalid');
  const ttlMs = o.ttl_ms === undefined ? 0 : time(o.ttl_ms, 'ttl_ms');
  const preconditions = parsePreconditions(o);
  const req: CoordinateRequest = { op: o.op, key, ttlMs, consistency: o.consistency as Consistency, ...(preconditions ? { preconditions } : {}) };
  if (o.op === 'put') req.value = frame.take(o.value_len, 'value_len', maxValueBytes);
  else if (o.value_len !== undefined) throw new WireError('value_len: not allowed on delete');
  return req;
}

export function parseCoordinateReply(status: number, doc: unknown): CoordinateReply {
  const o = obj(doc, 'reply');
  const owners = o.owners === undefined ? undefined : list(o.owners, 'owners', 0).map((id, i) => parseOrigin(id, `owners[${i}]`));
  const int = (v: unknown, at: string) => (v === undefined ? undefined : time(v, at));
  if (status === 200) {
    return {
      ok: true,
      version: parseVersion(o.version, 'version'),
      acks: time(o.acks, 'acks'),
      n: time(o.n, 'n'),
      owners: owners ?? [],
      expiresAt: time(o.expires_at ?? 0, 'expires_at'),
    };
  }
  if (typeof o.code !== 'string' || typeof o.error !== 'string') throw new WireError('reply: missing error envelope');
  const version = o.version === undefined ? undefined : parseVersion(o.version, 'version');
  const acks = int(o.acks, 'acks');
  const n = int(o.n, 'n');
  return {
    ok: false, status, code: o.code, error: o.error,
    ...(version === undefined ? {} : { version }),
    ...(acks === undefined ? {} : { acks }),
    ...(n === undefined ? {} : { n }),
    ...(owners === undefined ? {} : { owners }),
  };
}
