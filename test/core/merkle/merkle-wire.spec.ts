import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchesBySize, pageOfBuckets } from '../../../src/core/merkle/merkle-batches.js';
import { GROUP_COUNT, GROUP_SIZE, LEAF_COUNT } from '../../../src/core/merkle/merkle-tree.js';
import {
  type MerkleRequest, type MerkleResponse, encodeMerkleRequest, encodeMerkleResponse, parseMerkleRequest, parseMerkleResponse, wireEntryBytes,
} from '../../../src/core/merkle/merkle-wire.js';
import { FrameWriter, readFrame } from '../../../src/core/replication/frame.js';
import { WireError, encodeEntry } from '../../../src/core/replication/wire.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { frame, unframe } from '../../support/peer-frame.js';
import { item, tomb } from '../store/fixtures.js';

const MAX_VALUE = 1024;
const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
const digests = (n: number, start = 0n) => Array.from({ length: n }, (_, i) => start + BigInt(i) * 0x0123456789abcdefn);

const summaryReq: MerkleRequest = { from: 'node-1', want: 'summary' };
const leavesReq: MerkleRequest = { from: 'node-1', want: 'leaves', groups: [0, 31] };
const entriesReq: MerkleRequest = { from: 'node-1', want: 'entries', buckets: [{ bucket: 3 }, { bucket: 1023, after: 'k\u00e9' }] };

describe('merkle wire: requests', () => {
  it.each([summaryReq, leavesReq, entriesReq])('round-trips %j', (req) => {
    expect(parseMerkleRequest(json(encodeMerkleRequest(req)))).toEqual(req);
  });

  it.each([
    ['not an object', []],
    ['missing from', { want: 'summary' }],
    ['invalid from', { from: 'no spaces', want: 'summary' }],
    ['unknown want', { from: 'node-1', want: 'everything' }],
    ['no groups', { from: 'node-1', want: 'leaves', groups: [] }],
    ['group out of range', { from: 'node-1', want: 'leaves', groups: [GROUP_COUNT] }],
    ['negative group', { from: 'node-1', want: 'leaves', groups: [-1] }],
    ['fractional group', { from: 'node-1', want: 'leaves', groups: [1.5] }],
    ['duplicate group', { from: 'node-1', want: 'leaves', groups: [2, 2] }],
    ['no buckets', { from: 'node-1', want: 'entries', buckets: [] }],
    ['bucket out of range', { from: 'node-1', want: 'entries', buckets: [{ bucket: LEAF_COUNT }] }],
    ['bucket as a number', { from: 'node-1', want: 'entries', buckets: [3] }],
    ['bucket as a string', { from: 'node-1', want: 'entries', buckets: [{ bucket: '3' }] }],
    ['duplicate bucket', { from: 'node-1', want: 'entries', buckets: [{ bucket: 3 }, { bucket: 3, after: 'a' }] }],
    ['empty cursor', { from: 'node-1', want: 'entries', buckets: [{ bucket: 3, after: '' }] }],
    ['too many buckets', { from: 'node-1', want: 'entries', buckets: Array.from({ length: LEAF_COUNT + 1 }, (_, b) => ({ bucket: b })) }],
  ])('rejects %s', (_name, doc) => {
    expect(() => parseMerkleRequest(doc)).toThrow(WireError);
  });
});

describe('merkle wire: responses', () => {
  const entries: Entry[] = [item('a', Buffer.from([0, 255, 1]), 5, 'node-2'), tomb('b', 7, 'node-1')];
  const cases: [MerkleRequest, MerkleResponse][] = [
    [summaryReq, { want: 'summary', groups: digests(GROUP_COUNT, (1n << 64n) - 1n - 40n * 0x0123456789abcdefn) }],
    [leavesReq, { want: 'leaves', leaves: [digests(GROUP_SIZE), digests(GROUP_SIZE, 7n)] }],
    [entriesReq, { want: 'entries', entries, remaining: [{ bucket: 1023, after: 'zz' }] }],
  ];

  it.each(cases)('round-trips the answer to %j (a frame: the values in its tail)', (req, res) => {
    const r = readFrame(encodeMerkleResponse(res));
    expect(parseMerkleResponse(r, req, MAX_VALUE)).toEqual(res);
    r.end();
  });

  it('a summary says `rebalancing: true` only while the responder rebalances; without the field it is read as done', () => {
    const groups = digests(GROUP_COUNT, 3n);
    const busy = encodeMerkleResponse({ want: 'summary', groups, rebalancing: true });
    expect(unframe<Record<string, unknown>>(busy).header.rebalancing).toBe(true);
    expect(parseMerkleResponse(readFrame(busy), summaryReq, MAX_VALUE)).toEqual({ want: 'summary', groups, rebalancing: true });
    // Settled: the answer is byte for byte what a responder that does not know the field sends.
    const done = encodeMerkleResponse({ want: 'summary', groups });
    expect(Object.keys(unframe<Record<string, unknown>>(done).header)).toEqual(['want', 'groups']);
    expect(parseMerkleResponse(readFrame(done), summaryReq, MAX_VALUE)).toEqual({ want: 'summary', groups });
    expect(parseMerkleResponse(readFrame(frame({ want: 'summary', groups: groups.map((g) => g.toString(16).padStart(16, '0')), rebalancing: false })), summaryReq, MAX_VALUE))
      .toEqual({ want: 'summary', groups });
  });

  it('writes digests as 16 lowercase hex digits', () => {
    const { header } = unframe<{ groups: string[] }>(encodeMerkleResponse({ want: 'summary', groups: [0n, ...digests(GROUP_COUNT - 1, 0xabcn)] }));
    expect(header.groups[0]).toBe('0000000000000000');
    expect(header.groups[1]).toBe('0000000000000abc');
  });

  /** The good answer's header mutated; the values of its entries (if any) stay the tail. */
  const good = (req: MerkleRequest) => unframe(encodeMerkleResponse(cases.find(([r]) => r === req)![1]));
  const wireItem = (e: Entry) => encodeEntry(e, new FrameWriter());
  it.each<[string, MerkleRequest, (d: Record<string, unknown>) => unknown]>([
    ['another step', summaryReq, (d) => ({ ...d, want: 'leaves' })],
    ['too few group digests', summaryReq, (d) => ({ ...d, groups: (d.groups as string[]).slice(1) })],
    ['an uppercase digest', summaryReq, (d) => ({ ...d, groups: (d.groups as string[]).map((g) => g.toUpperCase().replace(/^0/, 'A')) })],
    ['a digest as a number', summaryReq, (d) => ({ ...d, groups: (d.groups as string[]).map(() => 1) })],
    ['rebalancing that is not a boolean', summaryReq, (d) => ({ ...d, rebalancing: 'yes' })],
    ['one leaf list too many', leavesReq, (d) => ({ ...d, leaves: [...(d.leaves as unknown[]), d.leaves as unknown] })],
    ['a short leaf list', leavesReq, (d) => ({ ...d, leaves: (d.leaves as string[][]).map((l) => l.slice(1)) })],
    ['an invalid entry among valid ones', entriesReq, (d) => ({ ...d, entries: [...(d.entries as unknown[]), { ...wireItem(item('c', 'x', 1)), value_len: -1 }] })],
    ['a value over MAX_VALUE_BYTES', entriesReq, (d) => ({ ...d, entries: [wireItem(item('c', Buffer.alloc(MAX_VALUE + 1), 1))] })],
    ['no remaining list', entriesReq, (d) => ({ ...d, remaining: undefined })],
    ['a remaining bucket that was not asked for', entriesReq, (d) => ({ ...d, remaining: [{ bucket: 4 }] })],
  ])('rejects %s', (_name, req, mutate) => {
    const { header, values } = good(req);
    expect(() => parseMerkleResponse(readFrame(frame(mutate(header), ...values)), req, MAX_VALUE)).toThrow(WireError);
  });
});

describe('message sizes and splitting (docs/peer-protocol.md §4)', () => {
  const entryArb = fc.oneof(
    fc.record({ key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), v: fc.uint8Array({ maxLength: 300 }), version: fc.integer({ min: 1, max: 2 ** 53 - 1 }) })
      .map(({ key, v, version }): Entry => item(key, Buffer.from(v), version, 'node-2', 17)),
    fc.record({ key: fc.string({ minLength: 1, maxLength: 8 }), version: fc.integer({ min: 1, max: 1e15 }) }).map(({ key, version }): Entry => tomb(key, version)),
  );
  const keyed = fc.uniqueArray(entryArb, { maxLength: 40, selector: (e) => e.key });

  it('wireEntryBytes is the exact frame size of the entry: its header JSON, its comma and its value', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const one = encodeMerkleResponse({ want: 'entries', entries: [e], remaining: [] }).length;
        const two = encodeMerkleResponse({ want: 'entries', entries: [e, e], remaining: [] }).length;
        expect(wireEntryBytes(e)).toBe(two - one);
      }),
    );
  });

  it('push batches keep every entry once, in order, each batch within the budget and the count cap', () => {
    fc.assert(
      fc.property(keyed, fc.integer({ min: 100, max: 3000 }), fc.integer({ min: 1, max: 5 }), (entries, budget, max) => {
        const batches = batchesBySize(entries, budget, max);
        expect(batches.flat()).toEqual(entries);
        for (const b of batches) {
          expect(b.length).toBeLessThanOrEqual(max);
          if (b.length > 1) expect(b.reduce((n, e) => n + wireEntryBytes(e), 0)).toBeLessThanOrEqual(budget);
        }
      }),
    );
  });

  it('paged answers, followed through `remaining`, deliver every entry of every bucket exactly once', () => {
    fc.assert(
      fc.property(keyed, fc.integer({ min: 50, max: 2000 }), (entries, budget) => {
        const byBucket = (b: number) => entries.filter((_, i) => i % 3 === b);
        let selectors = [{ bucket: 2 }, { bucket: 0 }, { bucket: 1 }] as { bucket: number; after?: string }[];
        const got: Entry[] = [];
        for (let pages = 0; selectors.length > 0; pages++) {
          expect(pages).toBeLessThanOrEqual(entries.length + 1);
          const page = pageOfBuckets(selectors, byBucket, budget);
          const size = page.entries.reduce((n, e) => n + wireEntryBytes(e), 0);
          if (page.entries.length > 1) expect(size).toBeLessThanOrEqual(budget);
          expect(page.entries.length > 0 || page.remaining.length === 0).toBe(true);
          got.push(...page.entries);
          selectors = page.remaining;
        }
        expect(got.map((e) => e.key).sort()).toEqual(entries.map((e) => e.key).sort());
      }),
    );
  });

  it('a page stops at the budget and says where to resume', () => {
    const entries = ['a', 'b', 'c', 'd'].map((k) => item(k, Buffer.alloc(90), 1));
    const size = wireEntryBytes(entries[0]!);
    const page = pageOfBuckets([{ bucket: 5 }, { bucket: 6 }], (b) => (b === 5 ? [...entries].reverse() : [item('z', 'z', 1)]), size * 2 + 1);
    expect(page.entries.map((e) => e.key)).toEqual(['a', 'b']);
    expect(page.remaining).toEqual([{ bucket: 5, after: 'b' }, { bucket: 6 }]);
  });
});
