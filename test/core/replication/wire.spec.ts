import { describe, expect, it } from 'vitest';
import { FrameWriter, readFrame } from '../../../src/core/replication/frame.js';
import type { Entry } from '../../../src/core/store/entry.js';
import {
  WireError, encodeCoordinate, encodeEntry, parseCoordinateReply, parseCoordinateRequest, parseEntry, parseReadReply,
  parseReplicateReply, parseReplicateRequest,
} from '../../../src/core/replication/wire.js';
import { frame } from '../../support/peer-frame.js';

const MAX = 4096;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Encodes entries into a frame, as a sender does, and parses them back, as a receiver does. */
function roundTrip(entries: Entry[], max = MAX): Entry[] {
  const w = new FrameWriter();
  const body = w.finish({ source: 'replication', entries: entries.map((e) => encodeEntry(e, w)) });
  const r = readFrame(body);
  const msg = parseReplicateRequest(r, max);
  r.end();
  return msg.entries;
}

const wireItem = (more: Record<string, unknown> = {}) => ({ kind: 'item', key: 'k', version: 1, origin: 'n', updated_at: 0, expires_at: 0, value_len: 1, ...more });

describe('peer wire messages (docs/peer-protocol.md §3)', () => {
  it('items round-trip byte-exact for all 256 byte values, empty and MAX_VALUE_BYTES values; times stay absolute', () => {
    const items: Entry[] = [ALL_BYTES, Buffer.alloc(0), Buffer.alloc(MAX, 0xff), Buffer.from('{"value_len":3}')].map((value, i) => ({
      kind: 'item', key: `ключ/🔑${i}`, value, version: 2 ** 53 - 1, origin: 'node-1', updatedAt: 1_700_000_000_000, expiresAt: 1_700_000_060_000,
    }));
    const t: Entry = { kind: 'tombstone', key: 'k', version: 7, origin: 'node-2', deletedAt: 1_700_000_000_000 };
    const mixed = [items[0]!, t, items[1]!, items[2]!, items[3]!];
    expect(roundTrip(mixed)).toEqual(mixed);
    expect(encodeEntry(t, new FrameWriter())).toEqual({ kind: 'tombstone', key: 'k', version: 7, origin: 'node-2', deleted_at: 1_700_000_000_000 });
    expect(encodeEntry(items[0]!, new FrameWriter())).toMatchObject({ kind: 'item', value_len: 256 });
  });

  it('a value is the tail bytes its value_len names, whatever they look like: never base64 nor JSON', () => {
    const looksLikeBase64 = Buffer.from('aGVsbG8=');
    const r = readFrame(frame({ source: 'hint', entries: [wireItem({ value_len: 8 })] }, looksLikeBase64));
    const [e] = parseReplicateRequest(r, MAX).entries;
    expect(e!.kind === 'item' && e!.value.equals(looksLikeBase64)).toBe(true);
    // Protocol 1's field is not read: an item without value_len is invalid.
    const old = readFrame(frame({ source: 'hint', entries: [{ ...wireItem(), value_len: undefined, value_b64: 'aGk=' }] }));
    expect(() => parseReplicateRequest(old, MAX)).toThrow('entries[0].value_len: expected a byte length');
  });

  it.each<[string, Buffer, string]>([
    ['an invalid origin', frame({ source: 'merkle', entries: [wireItem(), wireItem({ origin: '' })] }, Buffer.from('ab')), 'entries[1].origin: invalid origin'],
    ['a lone surrogate key', frame({ source: 'merkle', entries: [wireItem(), wireItem({ key: '\uD800' })] }, Buffer.from('ab')), 'entries[1].key: invalid key'],
    ['a key over 1024 bytes', frame({ source: 'merkle', entries: [wireItem({ key: 'é'.repeat(513) })] }, Buffer.from('a')), 'entries[0].key: invalid key'],
    ['version 0', frame({ source: 'merkle', entries: [wireItem({ version: 0 })] }, Buffer.from('a')), 'entries[0].version: invalid version'],
    ['version 2^53', frame({ source: 'merkle', entries: [wireItem({ version: 2 ** 53 })] }, Buffer.from('a')), 'entries[0].version: invalid version'],
    ['a value over MAX_VALUE_BYTES', frame({ source: 'merkle', entries: [wireItem({ value_len: MAX + 1 })] }, Buffer.alloc(MAX + 1)), `entries[0].value_len: value exceeds ${MAX} bytes`],
    ['a value past the end', frame({ source: 'merkle', entries: [wireItem(), wireItem({ value_len: 2 })] }, Buffer.from('ab')), 'entries[1].value_len: value runs past the end of the frame'],
    ['an unknown source', frame({ source: 'gossip', entries: [wireItem()] }, Buffer.from('a')), 'source: invalid source'],
    ['no entries', frame({ source: 'merkle', entries: [] }), 'entries: expected a non-empty array'],
  ])('a message with %s is rejected whole', (_name, body, message) => {
    expect(() => parseReplicateRequest(readFrame(body), MAX)).toThrow(new WireError(message));
  });

  it('coordinate requests round-trip, preconditions included; a delete carries no value', () => {
    const put = { op: 'put' as const, key: 'k', value: ALL_BYTES, ttlMs: 5000, consistency: 'all' as const, preconditions: { ifMatch: [12, 13] } };
    const empty = { op: 'put' as const, key: 'k', value: Buffer.alloc(0), ttlMs: 0, consistency: 'one' as const };
    const del = { op: 'delete' as const, key: 'k', ttlMs: 0, consistency: 'one' as const, preconditions: { ifMatch: '*' as const } };
    for (const req of [put, empty, del]) {
      const w = new FrameWriter();
      const r = readFrame(w.finish(encodeCoordinate(req, w)));
      expect(parseCoordinateRequest(r, MAX)).toEqual(req);
      r.end();
    }
    const withValue = frame({ op: 'delete', key: 'k', consistency: 'one', value_len: 1 }, Buffer.from('x'));
    expect(() => parseCoordinateRequest(readFrame(withValue), MAX)).toThrow('value_len: not allowed on delete');
    expect(() => parseCoordinateRequest(readFrame(frame({ op: 'put', key: 'k', consistency: 'one' })), MAX)).toThrow('value_len: expected a byte length');
  });

  it('coordinate replies: the data of the client answer, errors included', () => {
    expect(parseCoordinateReply(200, { version: 5, acks: 2, n: 3, owners: ['a', 'b', 'c'], expires_at: 0 }))
      .toEqual({ ok: true, version: 5, acks: 2, n: 3, owners: ['a', 'b', 'c'], expiresAt: 0 });
    expect(parseCoordinateReply(503, { error: 'write quorum not met: 1 of 2 acks', code: 'QUORUM_NOT_MET', version: 5, acks: 1, n: 3, owners: ['a'] }))
      .toEqual({ ok: false, status: 503, code: 'QUORUM_NOT_MET', error: 'write quorum not met: 1 of 2 acks', version: 5, acks: 1, n: 3, owners: ['a'] });
    expect(() => parseCoordinateReply(500, { oops: true })).toThrow(WireError);
  });

  it('replies are validated against the request', () => {
    expect(parseReplicateReply({ results: ['applied', 'stale'] }, 2)).toEqual(['applied', 'stale']);
    expect(() => parseReplicateReply({ results: ['applied'] }, 2)).toThrow(WireError);
    expect(() => parseReplicateReply({ results: ['ok'] }, 1)).toThrow(WireError);
    expect(parseReadReply(readFrame(frame({ entries: [null] })), 1, MAX)).toEqual([undefined]);
    expect(() => parseReadReply(readFrame(frame({ entries: [] })), 1, MAX)).toThrow(WireError);
    const read = readFrame(frame({ entries: [null, wireItem({ value_len: 3 })] }, Buffer.from([0, 1, 255])));
    expect(parseReadReply(read, 2, MAX)[1]).toMatchObject({ kind: 'item', value: Buffer.from([0, 1, 255]) });
  });
});

describe('peer wire messages at the default MAX_VALUE_BYTES', () => {
  it('a 4 MiB value round-trips as one copy; one byte more is refused', () => {
    const max = 4 * 1024 * 1024;
    const value = Buffer.alloc(max, 0xa5);
    const e: Entry = { kind: 'item', key: 'big', value, version: 1, origin: 'n', updatedAt: 0, expiresAt: 0 };
    const [parsed] = roundTrip([e], max);
    // Buffer.equals, not a deep toEqual: a generic deep comparison of 4 MiB takes seconds.
    expect(parsed!.kind === 'item' && parsed!.value.equals(value)).toBe(true);
    expect({ ...parsed, value: null }).toEqual({ ...e, value: null });
    expect(() => roundTrip([{ ...e, value: Buffer.alloc(max + 1) }], max)).toThrow('value exceeds');
  });

  it('parseEntry takes the values of a frame in header order', () => {
    const r = readFrame(frame({}, Buffer.from('one'), Buffer.from('two')));
    const a = parseEntry(wireItem({ value_len: 3 }), 'a', MAX, r);
    const b = parseEntry(wireItem({ value_len: 3 }), 'b', MAX, r);
    expect([a, b].map((e) => e.kind === 'item' && e.value.toString())).toEqual(['one', 'two']);
  });
});
