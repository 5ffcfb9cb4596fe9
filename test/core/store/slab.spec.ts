import { describe, expect, it } from 'vitest';
import { LocalStore, SMALL_VALUE_BYTES } from '../../../src/core/store/local-store.js';
import { PAGE_BYTES, RECORD_HEADER_BYTES, RecordKind, Slab, recordBytes } from '../../../src/core/store/slab.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { T0, item, tomb } from './fixtures.js';

/** A slab with its owner's handle table, as the store keeps it. */
function owned() {
  const handles = new Map<number, number>();
  const slab = new Slab((slot, h) => handles.set(slot, h));
  const put = (slot: number, key: string, value: Buffer) => handles.set(slot, slab.put(slot, key, RecordKind.Inline, value.length, value));
  const free = (slot: number) => {
    slab.free(handles.get(slot)!);
    handles.delete(slot);
  };
  return { slab, handles, put, free };
}

/** Deterministic bytes for a slot and a round. */
function bytesFor(slot: number, round: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (slot * 31 + round * 7 + i) & 0xff;
  return b;
}

describe('Slab', () => {
  it('round-trips keys of every encoding and tells them apart without decoding', () => {
    const { slab } = owned();
    const keys = ['k', 'ascii-key', 'café', 'ÿ', '€uro', '😀', 'a\ud800b', 'x'.repeat(1024), '€'.repeat(1024)];
    const hs = keys.map((k, i) => slab.put(i, k, RecordKind.Tombstone, 0));
    keys.forEach((k, i) => {
      expect(slab.key(hs[i]!)).toBe(k);
      expect(slab.keyEquals(hs[i]!, k)).toBe(true);
      expect(slab.keyUtf8Bytes(hs[i]!)).toBe(Buffer.byteLength(k, 'utf8'));
      expect(slab.kind(hs[i]!)).toBe(RecordKind.Tombstone);
      for (const other of keys) if (other !== k) expect(slab.keyEquals(hs[i]!, other)).toBe(false);
    });
    // Same length, same low bytes, different code units: 'Ā' (U+0100) is not '\u0000'.
    const h = slab.put(99, '\u0000', RecordKind.Tombstone, 0);
    expect(slab.keyEquals(h, 'Ā')).toBe(false);
    expect(slab.keyEquals(h, '\u0000')).toBe(true);
  });

  it('stores values of 0 bytes up to the inline limit byte-exactly and counts record bytes', () => {
    const { slab, handles, put } = owned();
    const lengths = [0, 1, 7, 8, 100, SMALL_VALUE_BYTES - 1];
    lengths.forEach((n, slot) => put(slot, `key-${n}`, bytesFor(slot, 0, n)));
    lengths.forEach((n, slot) => {
      const h = handles.get(slot)!;
      expect(slab.valueLength(h)).toBe(n);
      expect(slab.value(h).equals(bytesFor(slot, 0, n))).toBe(true);
    });
    const expected = lengths.reduce((s, n) => s + recordBytes(`key-${n}`, n), 0);
    expect(slab.liveBytes).toBe(expected);
    expect(recordBytes('key-0', 0)).toBe(24); // 12 + 5, 8-aligned
    // A value handed out is a copy: writing to it changes nothing stored.
    slab.value(handles.get(4)!).fill(0);
    expect(slab.value(handles.get(4)!).equals(bytesFor(4, 0, 100))).toBe(true);
  });

  it('reuses freed space: a page emptied by frees is recycled, so churn at a constant live size does not grow the arena', () => {
    const { slab, put, free } = owned();
    const value = Buffer.alloc(100, 1);
    const n = 20_000; // about 9 pages of 120-byte records
    for (let i = 0; i < n; i++) put(i, `k${i}`, value);
    const full = slab.allocatedBytes;
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < n; i++) free(i);
      for (let i = 0; i < n; i++) put(i, `k${i}`, value);
      expect(slab.allocatedBytes).toBeLessThanOrEqual(full + PAGE_BYTES);
    }
    for (let i = 0; i < n; i++) free(i);
    expect(slab.liveBytes).toBe(0);
    expect(slab.pageCount).toBeLessThanOrEqual(1); // at most the current page; the spare is one more
    expect(slab.allocatedBytes).toBeLessThanOrEqual(2 * PAGE_BYTES);
  });

  it('keeps at most twice the live bytes plus two pages under random churn of mixed sizes, with every value intact after relocation', () => {
    const { slab, handles, put, free } = owned();
    const rounds = new Map<number, number>();
    const lengthOf = (slot: number, round: number) => (slot * 13 + round * 101) % SMALL_VALUE_BYTES;
    let seed = 12345;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    let maxRatioExcess = 0;
    for (let op = 0; op < 60_000; op++) {
      const slot = rand(4000);
      if (handles.has(slot) && rand(3) === 0) {
        free(slot);
        rounds.delete(slot);
      } else {
        if (handles.has(slot)) free(slot);
        const round = op;
        put(slot, `key/${slot}`, bytesFor(slot, round, lengthOf(slot, round)));
        rounds.set(slot, round);
      }
      maxRatioExcess = Math.max(maxRatioExcess, slab.allocatedBytes - (2 * slab.liveBytes + 2 * PAGE_BYTES));
    }
    expect(maxRatioExcess).toBeLessThanOrEqual(0);
    for (const [slot, round] of rounds) {
      const h = handles.get(slot)!;
      expect(slab.key(h)).toBe(`key/${slot}`);
      expect(slab.value(h).equals(bytesFor(slot, round, lengthOf(slot, round)))).toBe(true);
    }
  });

  it('rewrites a record in place only when its size stays the same', () => {
    const { slab, handles, put } = owned();
    put(1, 'k', Buffer.alloc(100, 1));
    const h = handles.get(1)!;
    // 12 + 1 + 100 and 12 + 1 + 104 both round up to 120 bytes; 12 + 1 + 98 rounds to 112.
    expect(slab.rewrite(h, RecordKind.Inline, 104, Buffer.alloc(104, 2))).toBe(true);
    expect(slab.value(h).equals(Buffer.alloc(104, 2))).toBe(true);
    expect(slab.rewrite(h, RecordKind.Inline, 98, Buffer.alloc(98, 3))).toBe(false);
    expect(slab.rewrite(h, RecordKind.Inline, 200, Buffer.alloc(200, 3))).toBe(false);
    expect(slab.value(h).equals(Buffer.alloc(104, 2))).toBe(true);
    // A record without value bytes keeps its size whatever the value length it records.
    const t = slab.put(2, 'key', RecordKind.External, 5000);
    expect(slab.rewrite(t, RecordKind.Tombstone, 0)).toBe(true);
    expect([slab.kind(t), slab.valueLength(t), slab.key(t)]).toEqual([RecordKind.Tombstone, 0, 'key']);
    expect(slab.rewrite(t, RecordKind.External, 9000)).toBe(true);
    expect([slab.kind(t), slab.valueLength(t)]).toEqual([RecordKind.External, 9000]);
  });
});

describe('LocalStore on the slab', () => {
  function setup(maxMemory = 0) {
    const clock = new ManualClock(T0);
    const store = new LocalStore({ capacity: 0, maxMemory, eviction: 'lru', tombstoneTtlMs: 600_000 }, clock);
    return { clock, store };
  }

  it('values of 0 bytes, around the inline limit and of MAX_VALUE_BYTES (4 MiB) round-trip; bytes count key UTF-8 + value', () => {
    const { store } = setup();
    const cases: [string, number][] = [['zero', 0], ['below', SMALL_VALUE_BYTES - 1], ['at', SMALL_VALUE_BYTES], ['max', 4 * 1024 * 1024], ['é€😀', 10]];
    for (const [key, n] of cases) store.apply(item(key, bytesFor(n, 1, n), 1), 'hard', 'local');
    for (const [key, n] of cases) expect(store.read(key)!.value.equals(bytesFor(n, 1, n))).toBe(true);
    expect(store.bytes).toBe(cases.reduce((s, [k, n]) => s + Buffer.byteLength(k) + n, 0));
    // Overwrites across the inline limit, both ways, and to a tombstone and back.
    store.apply(item('below', bytesFor(7, 2, SMALL_VALUE_BYTES + 5), 2), 'hard', 'local');
    store.apply(item('at', bytesFor(8, 2, 3), 2), 'hard', 'local');
    store.apply(tomb('zero', 2), 'hard', 'local');
    expect(store.read('below')!.value.equals(bytesFor(7, 2, SMALL_VALUE_BYTES + 5))).toBe(true);
    expect(store.read('at')!.value.equals(bytesFor(8, 2, 3))).toBe(true);
    expect(store.peek('zero')).toEqual(tomb('zero', 2));
    store.apply(item('zero', Buffer.alloc(0), 3), 'hard', 'local');
    expect(store.read('zero')!.value.length).toBe(0);
    const bytes = [['zero', 0], ['below', SMALL_VALUE_BYTES + 5], ['at', 3], ['max', 4 * 1024 * 1024], ['é€😀', 10]] as const;
    expect(store.bytes).toBe(bytes.reduce((s, [k, n]) => s + Buffer.byteLength(k) + n, 0));
  });

  it('frees the arena with the items: eviction by max memory and clear leave no live record bytes behind', () => {
    const { store } = setup(200_000);
    for (let i = 0; i < 20_000; i++) store.apply(item(`key-${i}`, bytesFor(i, 0, 100), 1), 'hard', 'local');
    expect(store.bytes).toBeLessThanOrEqual(200_000);
    const perItem = store.arena.liveBytes / store.items;
    expect(perItem).toBeLessThanOrEqual(RECORD_HEADER_BYTES + 10 + 100 + 8);
    expect(store.arena.allocatedBytes).toBeLessThanOrEqual(2 * store.arena.liveBytes + 2 * PAGE_BYTES);
    // The survivors are the most recent keys, intact after the evacuations eviction caused.
    const last = 19_999;
    expect(store.read(`key-${last}`)!.value.equals(bytesFor(last, 0, 100))).toBe(true);
    store.clearItems();
    expect(store.arena.liveBytes).toBe(0);
    expect(store.arena.allocatedBytes).toBeLessThanOrEqual(2 * PAGE_BYTES);
  });
});
