import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/core/store/entry.js';
import {
  WireError, encodeCoordinate, encodeEntry, parseCoordinateReply, parseCoordinateRequest, parseEntry, parseReadReply,
  parseReplicateReply, parseReplicateRequest,
} from '../../../src/core/replication/wire.js';

const MAX = 4096;
const roundTrip = (e: Entry) => parseEntry(JSON.parse(JSON.stringify(encodeEntry(e))), 'e', MAX);

describe('peer wire encoding (docs/peer-protocol.md §3)', () => {
  it('items round-trip byte-exact for all 256 byte values, empty and MAX_VALUE_BYTES values; times stay absolute', () => {
    for (const value of [Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(0), Buffer.alloc(MAX, 0xff)]) {
      const e: Entry = { kind: 'item', key: 'ключ/🔑', value, version: 2 ** 53 - 1, origin: 'node-1', updatedAt: 1_700_000_000_000, expiresAt: 1_700_000_060_000 };
      expect(roundTrip(e)).toEqual(e);
    }
    const t: Entry = { kind: 'tombstone', key: 'k', version: 7, origin: 'node-2', deletedAt: 1_700_000_000_000 };
    expect(encodeEntry(t)).toEqual({ kind: 'tombstone', key: 'k', version: 7, origin: 'node-2', deleted_at: 1_700_000_000_000 });
    expect(roundTrip(t)).toEqual(t);
  });

  it('value_b64 is base64 by definition: text that merely looks like something else is decoded as base64', () => {
    const e = parseEntry({ kind: 'item', key: 'k', version: 1, origin: 'n', updated_at: 0, expires_at: 0, value_b64: 'aGVsbG8=' }, 'e', MAX);
    expect(e.kind === 'item' && e.value.toString()).toBe('hello');
    for (const bad of ['hello', 'aGVsbG8', 'aGVs bG8=', 'aGVsbG8=\n', 'aGVsbG8==', 'a-_b']) {
      expect(() => parseEntry({ kind: 'item', key: 'k', version: 1, origin: 'n', updated_at: 0, expires_at: 0, value_b64: bad }, 'e', MAX)).toThrow(WireError);
    }
  });

  it('a message with one invalid entry is rejected whole', () => {
    const good = encodeEntry({ kind: 'tombstone', key: 'k', version: 1, origin: 'n', deletedAt: 0 });
    expect(parseReplicateRequest({ source: 'merkle', entries: [good] }, MAX).entries).toHaveLength(1);
    expect(() => parseReplicateRequest({ source: 'merkle', entries: [good, { ...good, origin: '' }] }, MAX)).toThrow('entries[1].origin: invalid origin');
    expect(() => parseReplicateRequest({ source: 'merkle', entries: [good, { ...good, key: '\uD800' }] }, MAX)).toThrow('entries[1].key: invalid key');
  });

  it('coordinate requests and replies round-trip, preconditions and errors included', () => {
    const req = { op: 'put' as const, key: 'k', value: Buffer.from([0, 255]), ttlMs: 5000, consistency: 'all' as const, preconditions: { ifMatch: [12, 13] } };
    expect(parseCoordinateRequest(JSON.parse(JSON.stringify(encodeCoordinate(req))), MAX)).toEqual(req);
    const del = { op: 'delete' as const, key: 'k', ttlMs: 0, consistency: 'one' as const, preconditions: { ifMatch: '*' as const } };
    expect(parseCoordinateRequest(encodeCoordinate(del), MAX)).toEqual(del);
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
    expect(parseReadReply({ entries: [null] }, 1, MAX)).toEqual([undefined]);
    expect(() => parseReadReply({ entries: [] }, 1, MAX)).toThrow(WireError);
  });
});

describe('peer wire encoding at the default MAX_VALUE_BYTES', () => {
  it('a 4 MiB value is validated in linear time; non-canonical base64 is refused', () => {
    const max = 4 * 1024 * 1024;
    const value = Buffer.alloc(max, 0xa5);
    const e: Entry = { kind: 'item', key: 'big', value, version: 1, origin: 'n', updatedAt: 0, expiresAt: 0 };
    const parsed = parseEntry(encodeEntry(e), 'e', max);
    // Buffer.equals, not a deep toEqual: a generic deep comparison of 4 MiB takes seconds.
    expect(parsed.kind === 'item' && parsed.value.equals(value)).toBe(true);
    expect({ ...parsed, value: null }).toEqual({ ...e, value: null });
    expect(() => parseEntry({ ...encodeEntry(e), value_b64: Buffer.alloc(max + 1).toString('base64') }, 'e', max)).toThrow('value exceeds');
    expect(() => parseEntry({ ...encodeEntry(e), value_b64: 'aGVsbG9=' }, 'e', max)).toThrow('not base64');
  });
});
