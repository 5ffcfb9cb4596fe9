import { NODE_ID_PATTERN } from '../../config/patterns.js';
import { compareUtf8 } from '../keys/utf8-order.js';
import { type FrameReader, FrameWriter, type ValueSink } from '../replication/frame.js';
import { WireError, encodeEntry, parseEntry, parseKey } from '../replication/wire.js';
import type { Entry } from '../store/entry.js';
import { GROUP_COUNT, GROUP_SIZE, LEAF_COUNT } from './merkle-tree.js';

/**
 * The `merkle` peer operation (docs/cluster.md §8.3, docs/peer-protocol.md §2): the headers of its
 * frames (replication/frame.ts); the values of an entries page travel in the frame's tail. `from` is the requester's node ID: the
 * responder answers over the entries co-owned by itself and `from` on its own ring. Three steps:
 *   {"from","want":"summary","before"?}             → {"want":"summary","groups":[GROUP_COUNT hex digests],"rebalancing"?:true}
 *   {"from","want":"leaves","groups":[g…],"before"?} → {"want":"leaves","leaves":[[GROUP_SIZE hex digests]…]} (request order)
 *   {"from","want":"entries","buckets":[{bucket,after?}…]}
 *                                                   → {"want":"entries","entries":[WireEntry…],"remaining":[{bucket,after?}…]}
 * Digests are u64 as 16 lowercase hex digits (not JSON-safe as numbers). Entries of a bucket are
 * sent in UTF-8 key order; a responder whose answer would exceed the dist message limit stops
 * there and lists in `remaining` what it did not send (`after`: resume after that key of the bucket).
 * `before` (epoch ms): the digests cover only entries whose version was issued before that time
 * (version / 1000 < before), so writes still in flight do not count as differences (docs/cluster.md,
 * anti-entropy); without it they cover every co-owned entry. `rebalancing: true` (absent otherwise):
 * the responder has not finished rebalancing for its current ring, and the requester ends the round
 * there; a requester that does not know the field goes on as before.
 */
export interface BucketSelector {
  bucket: number;
  /** Resume after this key (UTF-8 order): the bucket was partly answered already. */
  after?: string;
}

export type MerkleRequest =
  | { from: string; want: 'summary'; before?: number }
  | { from: string; want: 'leaves'; groups: number[]; before?: number }
  | { from: string; want: 'entries'; buckets: BucketSelector[] };

export type MerkleResponse =
  | { want: 'summary'; groups: bigint[]; rebalancing?: true }
  | { want: 'leaves'; leaves: bigint[][] }
  | { want: 'entries'; entries: Entry[]; remaining: BucketSelector[] };

/** Room kept for the frame's header envelope and `remaining` list when filling a message up to the limit. */
export const ENVELOPE_RESERVE_BYTES = 64 * 1024;

const HEX64 = /^[0-9a-f]{16}$/;

// ---- encoding ----

const hex = (d: bigint) => d.toString(16).padStart(16, '0');
const encodeSelector = (s: BucketSelector) => (s.after === undefined ? { bucket: s.bucket } : { bucket: s.bucket, after: s.after });

export function encodeMerkleRequest(req: MerkleRequest): Record<string, unknown> {
  const before = req.want !== 'entries' && req.before !== undefined ? { before: req.before } : {};
  if (req.want === 'summary') return { from: req.from, want: 'summary', ...before };
  if (req.want === 'leaves') return { from: req.from, want: 'leaves', groups: req.groups, ...before };
  return { from: req.from, want: 'entries', buckets: req.buckets.map(encodeSelector) };
}

/** The frame of a response (its entries' values in the tail). */
export function encodeMerkleResponse(res: MerkleResponse): Buffer {
  const frame = new FrameWriter();
  if (res.want === 'summary') {
    const groups = res.groups.map(hex);
    return frame.finish(res.rebalancing ? { want: 'summary', groups, rebalancing: true } : { want: 'summary', groups });
  }
  if (res.want === 'leaves') return frame.finish({ want: 'leaves', leaves: res.leaves.map((l) => l.map(hex)) });
  const entries = res.entries.map((e) => encodeEntry(e, frame));
  return frame.finish({ want: 'entries', entries, remaining: res.remaining.map(encodeSelector) });
}

/** Exact size of an entry in a frame: its header JSON with the separating comma, and its value in the tail. */
export function wireEntryBytes(e: Entry): number {
  const header = Buffer.byteLength(JSON.stringify(encodeEntry(e, SIZING))) + 1;
  return e.kind === 'item' ? header + e.value.length : header;
}

/** A writer whose values are never written: `wireEntryBytes` only needs the header form. */
const SIZING: ValueSink = { value: (bytes) => bytes.length };

// ---- validation ----

function obj(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WireError(`${at}: expected an object`);
  return v as Record<string, unknown>;
}

function indices(v: unknown, at: string, bound: number): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > bound) throw new WireError(`${at}: expected 1 to ${bound} indices`);
  const seen = new Set<number>();
  for (const [i, n] of v.entries()) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= bound) throw new WireError(`${at}[${i}]: expected an integer in [0, ${bound})`);
    if (seen.has(n)) throw new WireError(`${at}[${i}]: duplicate`);
    seen.add(n);
  }
  return v as number[];
}

function selectors(v: unknown, at: string, allowEmpty: boolean): BucketSelector[] {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || v.length > LEAF_COUNT) throw new WireError(`${at}: expected up to ${LEAF_COUNT} selectors`);
  const out = v.map((s, i): BucketSelector => {
    const o = obj(s, `${at}[${i}]`);
    const after = o.after === undefined ? undefined : parseKey(o.after, `${at}[${i}].after`);
    return after === undefined ? { bucket: o.bucket as number } : { bucket: o.bucket as number, after };
  });
  if (out.length > 0) indices(out.map((s) => s.bucket), `${at}.bucket`, LEAF_COUNT);
  return out;
}

function epochMs(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new WireError(`${at}: expected a non-negative integer (epoch ms)`);
  return v;
}

function digests(v: unknown, at: string, count: number): bigint[] {
  if (!Array.isArray(v) || v.length !== count) throw new WireError(`${at}: expected ${count} digests`);
  return v.map((d, i) => {
    if (typeof d !== 'string' || !HEX64.test(d)) throw new WireError(`${at}[${i}]: expected 16 hex digits`);
    return BigInt(`0x${d}`);
  });
}

export function parseMerkleRequest(doc: unknown): MerkleRequest {
  const o = obj(doc, 'message');
  if (typeof o.from !== 'string' || !NODE_ID_PATTERN.test(o.from)) throw new WireError('from: invalid node ID');
  const from = o.from;
  const before = o.before === undefined ? {} : { before: epochMs(o.before, 'before') };
  if (o.want === 'summary') return { from, want: 'summary', ...before };
  if (o.want === 'leaves') return { from, want: 'leaves', groups: indices(o.groups, 'groups', GROUP_COUNT), ...before };
  if (o.want === 'entries') return { from, want: 'entries', buckets: selectors(o.buckets, 'buckets', false) };
  throw new WireError('want: expected summary, leaves or entries');
}

/**
 * Validates a reply against the request it answers: the same step, digests of the layout, only
 * requested groups, and `remaining` a subset of the requested buckets. Whether each entry lies in
 * a requested bucket needs the hash, so the caller checks that.
 */
export function parseMerkleResponse(frame: FrameReader, req: MerkleRequest, maxValueBytes: number): MerkleResponse {
  const o = obj(frame.header, 'reply');
  if (o.want !== req.want) throw new WireError(`want: expected ${req.want}`);
  if (req.want === 'summary') {
    if (o.rebalancing !== undefined && typeof o.rebalancing !== 'boolean') throw new WireError('rebalancing: expected a boolean');
    const groups = digests(o.groups, 'groups', GROUP_COUNT);
    return o.rebalancing === true ? { want: 'summary', groups, rebalancing: true } : { want: 'summary', groups };
  }
  if (req.want === 'leaves') {
    if (!Array.isArray(o.leaves) || o.leaves.length !== req.groups.length) throw new WireError('leaves: one list per requested group expected');
    return { want: 'leaves', leaves: o.leaves.map((l, i) => digests(l, `leaves[${i}]`, GROUP_SIZE)) };
  }
  if (!Array.isArray(o.entries)) throw new WireError('entries: expected an array');
  const entries = o.entries.map((e, i) => parseEntry(e, `entries[${i}]`, maxValueBytes, frame));
  const remaining = selectors(o.remaining, 'remaining', true);
  const asked = new Set(req.buckets.map((s) => s.bucket));
  if (!remaining.every((s) => asked.has(s.bucket))) throw new WireError('remaining: a bucket that was not requested');
  return { want: 'entries', entries, remaining };
}

/** The order entries of one bucket are sent in, and `after` cursors refer to. */
export const keyOrder = (a: Entry, b: Entry): number => compareUtf8(a.key, b.key);
