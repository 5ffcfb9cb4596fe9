import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../../src/core/store/columns.js';
import { LocalStore, type StoreLimits } from '../../../src/core/store/local-store.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { RecordingObserver, T0, item, tomb } from './fixtures.js';

// The store keeps values as one-byte strings and per-slot columns (issue 7); these check that nothing
// is lost or shared on the way in and out.

function setup(limits: Partial<StoreLimits> = {}) {
  const clock = new ManualClock(T0);
  const observer = new RecordingObserver();
  const store = new LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000, ...limits }, clock, observer);
  return { clock, observer, store };
}

describe('LocalStore compact representation', () => {
  it('round-trips every byte value, the empty value and a 4 MiB value byte-exactly', () => {
    const { store } = setup();
    const all = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >>> 13)) & 0xff;
    const cases: [string, Buffer][] = [
      ['all', all],
      ['empty', Buffer.alloc(0)],
      ['big', big],
      ['utf8', Buffer.from('é€😀\u0000\uffff', 'utf8')],
      ['high', Buffer.from([0x80, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80])],
    ];
    for (const [key, value] of cases) expect(store.apply(item(key, value, 1), 'hard', 'local')).toBe('applied');
    for (const [key, value] of cases) {
      expect(Buffer.compare(store.read(key)!.value, value)).toBe(0);
      expect(Buffer.compare((store.peek(key) as { value: Buffer }).value, value)).toBe(0);
    }
    const listed = new Map([...store.allEntries()].map((e) => [e.key, e]));
    for (const [key, value] of cases) expect(Buffer.compare((listed.get(key) as { value: Buffer }).value, value)).toBe(0);
    expect(store.bytes).toBe(cases.reduce((s, [k, v]) => s + Buffer.byteLength(k) + v.length, 0));
  });

  it('stores its own copy: later writes to the applied or the returned buffer change nothing', () => {
    const { store } = setup();
    const chunk = Buffer.from('0123456789abcdef');
    const value = chunk.subarray(4, 8); // a view into a larger chunk, as a request body slice would be
    store.apply(item('k', value, 1), 'hard', 'local');
    chunk.fill(0x21);
    const got = store.read('k')!;
    expect(got.value.toString()).toBe('4567');
    got.value.fill(0x3f);
    expect(store.read('k')!.value.toString()).toBe('4567');
  });

  it('keeps version, origin and times exactly (large versions, non-integer-safe widths)', () => {
    const { store } = setup();
    const version = 2 ** 53 - 1;
    store.apply(item('k', 'v', version, 'node-é', T0 + 5_000), 'hard', 'local');
    store.apply(tomb('t', 2 ** 40 + 3, 'node-b', T0 - 1), 'hard', 'local');
    expect(store.peek('k')).toEqual(item('k', 'v', version, 'node-é', T0 + 5_000));
    expect(store.peek('t')).toEqual(tomb('t', 2 ** 40 + 3, 'node-b', T0 - 1));
  });

  it('reuses freed slots without leaking old state into the new key', () => {
    const { store, clock } = setup();
    store.apply(item('a', 'aaa', 1, 'n1', T0 + 10), 'hard', 'local');
    store.apply(tomb('b', 1), 'hard', 'local');
    store.discard('a');
    store.discard('b');
    store.apply(item('c', 'c', 3, 'n2'), 'hard', 'local');
    store.apply(item('d', 'dd', 4, 'n3'), 'hard', 'local');
    clock.advance(100);
    expect(store.peek('c')).toEqual(item('c', 'c', 3, 'n2'));
    expect(store.peek('d')).toEqual(item('d', 'dd', 4, 'n3'));
    expect(store.peek('a')).toBeUndefined();
    expect([store.items, store.tombstoneCount, store.expiringCount, store.expireAll()]).toEqual([2, 0, 0, 0]);
  });

  it('LRU: reads and overwrites move a key to the most recent end; eviction order follows', () => {
    const { store, observer } = setup({ capacity: 4 });
    for (const k of ['a', 'b', 'c', 'd']) store.apply(item(k, k, 1), 'hard', 'local');
    store.read('a');
    store.apply(item('b', 'b2', 2), 'hard', 'local');
    store.peek('c'); // a peek is not a use
    for (const k of ['e', 'f', 'g', 'h']) store.apply(item(k, k, 1), 'hard', 'local');
    expect(observer.evictedKeys.map((e) => e.key)).toEqual(['c', 'd', 'a', 'b']);
  });

  it('LFU: the least used goes first, ties to the least recent; counts survive overwrites', () => {
    const { store, observer } = setup({ capacity: 3, eviction: 'lfu' });
    for (const k of ['a', 'b', 'c']) store.apply(item(k, k, 1), 'hard', 'local');
    store.read('a');
    store.read('a');
    store.apply(item('b', 'b2', 2), 'hard', 'local'); // b: 2 uses
    store.read('c'); // c: 2 uses, after b
    store.apply(item('d', 'd', 1), 'hard', 'local');
    store.apply(item('e', 'e', 1), 'hard', 'local');
    store.apply(item('f', 'f', 1), 'hard', 'local');
    expect(observer.evictedKeys.map((e) => e.key)).toEqual(['b', 'd', 'e']);
    expect([...store.visibleKeys()].sort()).toEqual(['a', 'c', 'f']);
  });

  it('handles more keys than one column chunk, with removals and clearItems in between', () => {
    const { store } = setup({ capacity: CHUNK_SIZE + 100 });
    const n = CHUNK_SIZE + 500;
    for (let i = 0; i < n; i++) store.apply(item(`k${i}`, `v${i}`, 1, 'n1', i % 3 === 0 ? T0 + 1000 : 0), 'hard', 'local');
    expect(store.items).toBe(CHUNK_SIZE + 100);
    expect(store.peek('k0')).toBeUndefined(); // the 400 oldest were evicted
    expect((store.peek(`k${n - 1}`) as { value: Buffer }).value.toString()).toBe(`v${n - 1}`);
    for (let i = 1000; i < 2000; i++) store.discard(`k${i}`);
    for (let i = 0; i < 1000; i++) store.apply(item(`x${i}`, `w${i}`, 1), 'hard', 'local');
    expect((store.peek('x999') as { value: Buffer }).value.toString()).toBe('w999');
    expect((store.peek(`k${n - 2}`) as { value: Buffer }).value.toString()).toBe(`v${n - 2}`);
    store.apply(tomb('k1500', 5), 'hard', 'local');
    expect(store.clearItems()).toBe(CHUNK_SIZE + 100);
    expect([store.items, store.bytes, store.expiringCount, store.tombstoneCount]).toEqual([0, 0, 0, 1]);
    store.apply(item('again', 'x', 1), 'hard', 'local');
    expect([...store.allEntries()].map((e) => e.key).sort()).toEqual(['again', 'k1500']);
  });
});
