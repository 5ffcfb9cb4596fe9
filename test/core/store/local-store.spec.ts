import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Entry, entryBytes, isVisible } from '../../../src/core/store/entry.js';
import { type ApplyMode, LocalStore, type StoreLimits } from '../../../src/core/store/local-store.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { SeededRandom } from '../../../src/core/time/random.js';
import { compareVersioned } from '../../../src/core/versioning/order.js';
import { RecordingObserver, T0, item, tomb } from './fixtures.js';

const TOMBSTONE_TTL = 600_000;

function setup(limits: Partial<StoreLimits> = {}) {
  const clock = new ManualClock(T0);
  const observer = new RecordingObserver();
  const store = new LocalStore(
    { capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: TOMBSTONE_TTL, ...limits },
    clock,
    observer,
  );
  return { clock, observer, store };
}

function storedKeys(store: LocalStore): string[] {
  return [...store.allEntries()].filter((e) => e.kind === 'item').map((e) => e.key).sort();
}

describe('LocalStore apply-if-newer (docs/cluster.md §6)', () => {
  it('applies a newer version and rejects older or equal ones as stale', () => {
    const { store, observer } = setup();
    expect(store.apply(item('k', 'v5', 5), 'hard', 'local')).toBe('applied');
    expect(store.apply(item('k', 'v4', 4), 'hard', 'replication')).toBe('stale');
    expect(store.apply(item('k', 'again', 5), 'hard', 'repair')).toBe('stale');
    expect(store.peek('k')).toMatchObject({ version: 5, value: Buffer.from('v5') });
    expect(store.apply(item('k', 'v6', 6), 'soft', 'merkle')).toBe('applied');
    expect(store.peek('k')).toMatchObject({ version: 6, value: Buffer.from('v6') });
    expect(observer.stale).toEqual(['replication', 'repair']);
    expect(store.items).toBe(1);
    expect(store.bytes).toBe(1 + 2);
  });

  it('breaks version ties by the larger origin (UTF-8 bytes)', () => {
    const { store } = setup();
    store.apply(item('k', 'from-b', 7, 'node-b'), 'hard', 'local');
    expect(store.apply(item('k', 'from-a', 7, 'node-a'), 'hard', 'replication')).toBe('stale');
    expect(store.apply(item('k', 'from-c', 7, 'node-c'), 'hard', 'replication')).toBe('applied');
    expect(store.peek('k')).toMatchObject({ origin: 'node-c' });
    // 'é' (C3 A9) is larger than 'z' (7A) as UTF-8 bytes.
    expect(store.apply(item('k', 'accent', 7, 'é'), 'hard', 'replication')).toBe('applied');
    expect(store.apply(item('k', 'ascii', 7, 'z'), 'hard', 'replication')).toBe('stale');
  });

  it('lets a newer tombstone replace an item and a newer item replace a tombstone', () => {
    const { store } = setup();
    store.apply(item('k', 'value', 1), 'hard', 'local');
    expect(store.apply(tomb('k', 2), 'hard', 'local')).toBe('applied');
    expect(store.peek('k')).toMatchObject({ kind: 'tombstone', version: 2 });
    expect(store.read('k')).toBeUndefined();
    expect([store.items, store.bytes, store.tombstoneCount]).toEqual([0, 0, 1]);

    expect(store.apply(item('k', 'older', 1), 'hard', 'replication')).toBe('stale');
    expect(store.apply(item('k', 'back', 3), 'hard', 'replication')).toBe('applied');
    expect(store.read('k')?.value.toString()).toBe('back');
    expect([store.items, store.bytes, store.tombstoneCount]).toEqual([1, 5, 0]);

    expect(store.apply(tomb('k', 3), 'hard', 'replication')).toBe('stale');
    expect(store.apply(tomb('k', 4), 'hard', 'replication')).toBe('applied');
    expect(store.apply(tomb('k', 5), 'hard', 'replication')).toBe('applied');
    expect(store.peek('k')).toMatchObject({ kind: 'tombstone', version: 5 });
    expect(store.tombstoneCount).toBe(1);
  });

  it('never stores a non-live tombstone and counts it as stale', () => {
    const { store, observer } = setup();
    store.apply(item('k', 'v', 1), 'hard', 'local');
    expect(store.apply(tomb('k', 9, 'n1', T0 - TOMBSTONE_TTL), 'hard', 'merkle')).toBe('stale');
    expect(store.read('k')?.version).toBe(1);
    expect(store.apply(tomb('gone', 9, 'n1', T0 - TOMBSTONE_TTL - 1), 'hard', 'hint')).toBe('stale');
    expect(store.peek('gone')).toBeUndefined();
    expect(store.tombstoneCount).toBe(0);
    expect(observer.stale).toEqual(['merkle', 'hint']);
  });

  it('drops a tombstone lazily once it is no longer live, and never accepts it again', () => {
    const { store, clock, observer } = setup();
    store.apply(tomb('k', 5), 'hard', 'local');
    clock.advance(TOMBSTONE_TTL - 1);
    expect(store.peek('k')?.kind).toBe('tombstone');
    clock.advance(1);
    expect(store.peek('k')).toBeUndefined();
    expect(store.tombstoneCount).toBe(0);
    expect(observer.purged).toBe(1);
    expect(store.apply(tomb('k', 5), 'hard', 'merkle')).toBe('stale');
    // An older item can come back once the tombstone is gone (the documented TTL limitation).
    expect(store.apply(item('k', 'old', 4), 'soft', 'merkle')).toBe('applied');
  });

  it('stores expired items like any entry but never returns them', () => {
    const { store } = setup();
    expect(store.apply(item('k', 'v', 1, 'n1', T0 - 1), 'hard', 'replication')).toBe('applied');
    expect(store.items).toBe(1);
    expect(store.read('k')).toBeUndefined();
    expect(store.items).toBe(0);
  });
});

describe('LocalStore reads and TTL (docs/single-node.md §3, G9)', () => {
  it('serves an item until expiresAt and removes it at expiresAt with trigger read', () => {
    const { store, clock, observer } = setup();
    store.apply(item('k', 'v', 1, 'n1', T0 + 1000), 'hard', 'local');
    expect(store.expiringCount).toBe(1);
    clock.advance(999);
    expect(store.read('k')?.value.toString()).toBe('v');
    clock.advance(1);
    expect(store.read('k')).toBeUndefined();
    expect(store.peek('k')).toBeUndefined();
    expect([store.items, store.bytes, store.expiringCount]).toEqual([0, 0, 0]);
    expect(observer.expirations).toEqual([{ trigger: 'read', count: 1 }]);
    expect([...store.visibleKeys()]).toEqual([]);
  });

  it('hides expired items from visibleKeys without removing them', () => {
    const { store, clock } = setup();
    store.apply(item('a', 'v', 1, 'n1', T0 + 10), 'hard', 'local');
    store.apply(item('b', 'v', 1), 'hard', 'local');
    clock.advance(10);
    expect([...store.visibleKeys()]).toEqual(['b']);
    expect(store.items).toBe(2);
  });

  it('a read never extends expiresAt', () => {
    const { store, clock } = setup();
    store.apply(item('k', 'v', 1, 'n1', T0 + 100), 'hard', 'local');
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      expect(store.read('k')?.expiresAt).toBe(T0 + 100);
    }
  });
});

describe('LocalStore caps and eviction (docs/single-node.md §2, G10, I14)', () => {
  it('I14 LRU with CAPACITY=3: PUT a,b,c; read a; PUT d → b evicted', () => {
    const { store, observer } = setup({ capacity: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, 'v', i + 1), 'hard', 'local');
    expect(store.read('a')).toBeDefined();
    expect(store.apply(item('d', 'v', 4), 'hard', 'local')).toBe('applied');
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
    expect(store.items).toBe(3);
    expect(observer.evictedKeys).toEqual([{ reason: 'capacity', key: 'b' }]);
    expect(observer.passes).toEqual([{ evicted: 1, itemsAfter: 3 }]);
  });

  it('I14 LRU with MAX_MEMORY: same scenario in bytes', () => {
    // Each entry: 1 key byte + 9 value bytes = 10 bytes; room for three.
    const { store, observer } = setup({ maxMemory: 30 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, '123456789', i + 1), 'hard', 'local');
    expect(store.bytes).toBe(30);
    store.read('a');
    store.apply(item('d', '123456789', 4), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
    expect(store.bytes).toBe(30);
    expect(observer.evictedKeys).toEqual([{ reason: 'memory', key: 'b' }]);
  });

  it('LRU counts an apply of an existing key as a use', () => {
    const { store } = setup({ capacity: 3 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, 'v', i + 1), 'hard', 'local');
    store.apply(item('a', 'v2', 10), 'hard', 'replication');
    store.apply(item('d', 'v', 11), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
  });

  it('a larger replacement evicts others by policy, never the key being applied', () => {
    const { store, observer } = setup({ maxMemory: 30 });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, '123456789', i + 1), 'hard', 'local');
    // 'a' is the LRU item, but it is the one being applied: 'b' and 'c' go instead.
    store.apply(item('a', 'x'.repeat(25), 10), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a']);
    expect(store.bytes).toBe(26);
    expect(observer.evictedKeys.map((e) => e.key)).toEqual(['b', 'c']);
  });

  it('LFU evicts the lowest access count, ties to the least recently used', () => {
    const { store, observer } = setup({ capacity: 3, eviction: 'lfu' });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, 'v', i + 1), 'hard', 'local');
    store.read('a');
    store.read('a');
    store.read('c');
    store.apply(item('d', 'v', 4), 'hard', 'local'); // counts a3 b1 c2 → b
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
    store.apply(item('e', 'v', 5), 'hard', 'local'); // a3 c2 d1 → d
    expect(storedKeys(store)).toEqual(['a', 'c', 'e']);
    store.read('e'); // a3 c2 e2, c used before e → c
    store.apply(item('f', 'v', 6), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a', 'e', 'f']);
    expect(observer.evictedKeys.map((e) => e.key)).toEqual(['b', 'd', 'c']);
  });

  it('LFU with all counts equal evicts the least recently used', () => {
    const { store } = setup({ capacity: 3, eviction: 'lfu' });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, 'v', i + 1), 'hard', 'local');
    store.read('b');
    store.read('a');
    store.read('c'); // all at 2, least recent is b
    store.apply(item('d', 'v', 4), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
  });

  it('LFU counts an apply as a use and never evicts the key being applied', () => {
    const { store } = setup({ maxMemory: 30, eviction: 'lfu' });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, '123456789', i + 1), 'hard', 'local');
    store.apply(item('b', '123456789', 10), 'hard', 'replication'); // b: 2
    store.apply(item('d', '123456789', 11), 'hard', 'local'); // a1 c1 → a
    expect(storedKeys(store)).toEqual(['b', 'c', 'd']);
    // d has the lowest count (1) but is the key being applied.
    store.apply(item('d', 'x'.repeat(19), 12), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['b', 'd']);
  });

  it('LFU keeps the access count when an item replaces an item (+1 for the apply)', () => {
    const { store } = setup({ capacity: 3, eviction: 'lfu' });
    for (const [i, k] of ['a', 'b', 'c'].entries()) store.apply(item(k, 'v', i + 1), 'hard', 'local');
    store.read('a');
    store.apply(item('a', 'newer', 10), 'hard', 'replication'); // a: 3
    store.read('b');
    store.read('c'); // b: 2, c: 2
    store.apply(item('d', 'v', 11), 'hard', 'local');
    expect(storedKeys(store)).toEqual(['a', 'c', 'd']);
  });

  it('soft applies skip absent keys at a cap, never evicting for them', () => {
    const { store, observer } = setup({ capacity: 2 });
    store.apply(item('a', 'v', 1), 'hard', 'local');
    store.apply(item('b', 'v', 2), 'hard', 'local');
    expect(store.apply(item('c', 'v', 3), 'soft', 'repair')).toBe('skipped');
    expect(store.apply(item('c', 'v', 3), 'soft', 'migration')).toBe('skipped');
    expect(store.peek('c')).toBeUndefined();
    expect(storedKeys(store)).toEqual(['a', 'b']);
    expect(observer.skipped).toEqual(['repair', 'migration']);
    expect(observer.evictedKeys).toEqual([]);
  });

  it('soft applies of a key over a tombstone count as a new item at the caps', () => {
    const { store } = setup({ capacity: 1 });
    store.apply(item('a', 'v', 1), 'hard', 'local');
    store.apply(tomb('b', 2), 'hard', 'local');
    expect(store.apply(item('b', 'v', 3), 'soft', 'merkle')).toBe('skipped');
    expect(store.peek('b')?.kind).toBe('tombstone');
  });

  it('soft applies may replace an existing item (evicting others) and store tombstones at a cap', () => {
    const { store, observer } = setup({ capacity: 2, maxMemory: 20 });
    store.apply(item('a', '123456789', 1), 'hard', 'local');
    store.apply(item('b', '123456789', 2), 'hard', 'local');
    expect(store.apply(item('b', '1234567890123', 3), 'soft', 'repair')).toBe('applied');
    expect(storedKeys(store)).toEqual(['b']);
    expect(observer.evictedKeys).toEqual([{ reason: 'memory', key: 'a' }]);
    store.apply(item('c', 'v', 4), 'hard', 'local');
    expect(store.items).toBe(2);
    expect(store.apply(tomb('z', 5), 'soft', 'merkle')).toBe('applied');
    expect(store.apply(tomb('c', 5), 'soft', 'merkle')).toBe('applied');
    expect(store.tombstoneCount).toBe(2);
    expect(storedKeys(store)).toEqual(['b']);
  });

  it('tombstones do not count toward the caps', () => {
    const { store } = setup({ capacity: 1, maxMemory: 10 });
    for (let i = 0; i < 5; i++) store.apply(tomb(`t${i}`, i + 1), 'hard', 'local');
    expect(store.apply(item('a', '123456789', 9), 'soft', 'repair')).toBe('applied');
    expect([store.items, store.bytes, store.tombstoneCount]).toEqual([1, 10, 5]);
  });

  it('clearItems removes every item and keeps tombstones', () => {
    const { store } = setup();
    store.apply(item('a', 'v', 1, 'n1', T0 + 1000), 'hard', 'local');
    store.apply(item('b', 'v', 2), 'hard', 'local');
    store.apply(tomb('c', 3), 'hard', 'local');
    expect(store.clearItems()).toBe(2);
    expect([store.items, store.bytes, store.expiringCount, store.tombstoneCount]).toEqual([0, 0, 0, 1]);
    expect(store.peek('c')?.kind).toBe('tombstone');
    expect(store.apply(tomb('c', 2), 'hard', 'merkle')).toBe('stale');
    // The eviction policy was reset too: new items evict among themselves only.
    store.apply(item('x', 'v', 4), 'hard', 'local');
    expect(store.read('x')).toBeDefined();
  });

  it('purgeTombstones purges only non-live tombstones', () => {
    const { store, clock, observer } = setup();
    store.apply(tomb('old', 1, 'n1', T0 - TOMBSTONE_TTL + 100), 'hard', 'local');
    store.apply(tomb('new', 2, 'n1', T0), 'hard', 'local');
    store.apply(item('item', 'v', 3), 'hard', 'local');
    expect(store.purgeTombstones()).toBe(0);
    clock.advance(100);
    expect(store.purgeTombstones()).toBe(1);
    expect([...store.allEntries()].map((e) => e.key).sort()).toEqual(['item', 'new']);
    expect(store.tombstoneCount).toBe(1);
    expect(observer.purged).toBe(1);
    clock.advance(TOMBSTONE_TTL);
    expect(store.purgeTombstones()).toBe(1);
    expect(store.tombstoneCount).toBe(0);
    expect(store.items).toBe(1);
  });

  it('enforceCaps is a no-op within the caps and evicts by policy down to them otherwise', () => {
    const limits: StoreLimits = { capacity: 5, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: TOMBSTONE_TTL };
    const observer = new RecordingObserver();
    const store = new LocalStore(limits, new ManualClock(T0), observer);
    for (let i = 0; i < 5; i++) store.apply(item(`k${i}`, 'v', i + 1), 'hard', 'local');
    store.read('k0');
    expect(store.enforceCaps()).toBe(0);
    limits.capacity = 2; // caps lowered after the fact (the limits object is shared)
    expect(store.enforceCaps()).toBe(3);
    expect(storedKeys(store)).toEqual(['k0', 'k4']);
    expect(observer.passes).toEqual([{ evicted: 0, itemsAfter: 5 }, { evicted: 3, itemsAfter: 2 }]);
  });

  it('enforceCaps (POST /evict) is one eviction pass even when nothing is evicted (docs/api.md §2.2)', () => {
    const { store, observer } = setup({ capacity: 5 });
    store.apply(item('a', 'v', 1), 'hard', 'local');
    expect(store.enforceCaps()).toBe(0);
    expect(observer.passes).toEqual([{ evicted: 0, itemsAfter: 1 }]);
  });

  it('a write that fits records no eviction pass', () => {
    const { store, observer } = setup({ capacity: 5 });
    store.apply(item('a', 'v', 1), 'hard', 'local');
    expect(observer.passes).toEqual([]);
  });

  it('tombstoneCount counts live tombstones only (TombstonesActive gauge), before any purge', () => {
    const { store, clock } = setup();
    store.apply(tomb('a', 1, 'n1', T0 - 100), 'hard', 'local');
    store.apply(tomb('b', 2, 'n1', T0), 'hard', 'local');
    expect(store.tombstoneCount).toBe(2);
    clock.advance(TOMBSTONE_TTL - 100);
    expect(store.tombstoneCount).toBe(1);
    clock.advance(100);
    expect(store.tombstoneCount).toBe(0);
    expect(store.purgeTombstones()).toBe(2);
  });
});

type Op =
  | { op: 'apply'; key: string; kind: 'item' | 'tombstone'; size: number; version: number; origin: string; ttl: number; mode: ApplyMode; age: number }
  | { op: 'read'; key: string }
  | { op: 'advance'; ms: number }
  | { op: 'sweep' }
  | { op: 'expireAll' }
  | { op: 'purge' };

const KEYS = ['a', 'b', 'c', 'dd', 'eee', 'ffff', 'g', 'hh'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('apply' as const),
      key: fc.constantFrom(...KEYS),
      kind: fc.constantFrom('item' as const, 'item' as const, 'tombstone' as const),
      size: fc.integer({ min: 0, max: 12 }),
      version: fc.integer({ min: 1, max: 20 }),
      origin: fc.constantFrom('n1', 'n2', 'é'),
      ttl: fc.constantFrom(0, 0, 50, 500),
      mode: fc.constantFrom('hard' as const, 'soft' as const),
      age: fc.constantFrom(0, 0, TOMBSTONE_TTL),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('read' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sweep' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'expireAll' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'purge' as const }) },
);

describe('LocalStore properties (G9, G10)', () => {
  it('caps hold after every apply, byte accounting is exact, the applied entry is never the victim', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        // Largest entry is 4 key bytes + 12 value bytes; MAX_MEMORY ≥ one entry (as the config requires).
        fc.oneof(fc.constant(0), fc.integer({ min: 16, max: 60 })),
        fc.constantFrom('lru' as const, 'lfu' as const),
        fc.array(opArb, { maxLength: 60 }),
        (capacity, maxMemory, eviction, ops) => {
          const { store, clock, observer } = setup({ capacity, maxMemory, eviction });
          const random = new SeededRandom(7);
          for (const o of ops) {
            switch (o.op) {
              case 'apply': {
                const now = clock.now();
                const entry: Entry =
                  o.kind === 'item'
                    ? item(o.key, Buffer.alloc(o.size, 120), o.version, o.origin, o.ttl ? now + o.ttl : 0)
                    : tomb(o.key, o.version, o.origin, now - o.age);
                const before = store.peek(o.key);
                const evictedBefore = observer.evictedKeys.length;
                const result = store.apply(entry, o.mode, 'local');
                const live = entry.kind === 'item' || store.isLiveTombstone(entry);
                if (!live || (before && compareVersioned(before, entry) >= 0)) {
                  expect(result).toBe('stale');
                  expect(store.peek(o.key)).toEqual(before);
                } else if (result === 'skipped') {
                  expect(o.mode).toBe('soft');
                  expect(entry.kind).toBe('item');
                  expect(before?.kind).not.toBe('item');
                  expect(store.peek(o.key)).toEqual(before);
                } else {
                  expect(result).toBe('applied');
                  expect(store.peek(o.key)).toEqual(entry);
                }
                const victims = observer.evictedKeys.slice(evictedBefore).map((e) => e.key);
                expect(victims).not.toContain(o.key);
                if (o.mode === 'soft' && before?.kind !== 'item') expect(victims).toEqual([]);
                break;
              }
              case 'read': {
                const got = store.read(o.key);
                if (got) expect(isVisible(got, clock.now())).toBe(true);
                break;
              }
              case 'advance':
                clock.advance(o.ms);
                break;
              case 'sweep':
                store.sweepExpired(3, 25, random);
                break;
              case 'expireAll':
                store.expireAll();
                break;
              case 'purge':
                store.purgeTombstones();
                break;
            }
            const items = [...store.allEntries()].filter((e) => e.kind === 'item');
            if (capacity > 0) expect(store.items).toBeLessThanOrEqual(capacity);
            if (maxMemory > 0) expect(store.bytes).toBeLessThanOrEqual(maxMemory);
            expect(store.items).toBe(items.length);
            expect(store.bytes).toBe(items.reduce((s, e) => s + entryBytes(e), 0));
            expect(store.expiringCount).toBe(items.filter((e) => e.kind === 'item' && e.expiresAt !== 0).length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
