import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EntryHasher, GROUP_COUNT, GROUP_SIZE, LEAF_COUNT, type MerkleTuple, MerkleTree, bucketOf, differing, differingBuckets, groupOf, tupleHash,
} from '../../../src/core/merkle/merkle-tree.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const tupleArb = (key: fc.Arbitrary<string>) =>
  fc.record({
    key,
    version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    origin: fc.constantFrom('node-1', 'node-2', 'node-10'),
    kind: fc.constantFrom('item' as const, 'tombstone' as const),
  });
/** Distinct keys, as a store holds them. */
const setArb = fc.uniqueArray(tupleArb(keyArb), { minLength: 1, maxLength: 60, selector: (t) => t.key });

/** Every (group, leaf) digest of a tree, to compare trees completely. */
const leavesOf = (t: MerkleTree) => Array.from({ length: LEAF_COUNT }, (_, b) => t.leaf(b));

/** One change to one tuple: each field of (key, version, origin, kind), or the entry missing. */
type Change = 'version' | 'origin' | 'kind' | 'missing';
function changed(t: MerkleTuple, change: Change): MerkleTuple | undefined {
  switch (change) {
    case 'version': return { ...t, version: t.version === 1 ? 2 : t.version - 1 };
    case 'origin': return { ...t, origin: t.origin === 'node-1' ? 'node-2' : 'node-1' };
    case 'kind': return { ...t, kind: t.kind === 'item' ? 'tombstone' : 'item' };
    case 'missing': return undefined;
  }
}

describe('merkle tree (docs/cluster.md §8.3)', () => {
  it('has a fixed two-level layout', () => {
    expect(GROUP_COUNT * GROUP_SIZE).toBe(LEAF_COUNT);
    const tree = MerkleTree.of([], hash);
    expect(tree.summary()).toHaveLength(GROUP_COUNT);
    expect(tree.groupLeaves(GROUP_COUNT - 1)).toHaveLength(GROUP_SIZE);
    expect(tree.groupLeaves(0)).toEqual(new Array(GROUP_SIZE).fill(0n));
  });

  it('identical sets give identical trees, whatever the order entries are added in', () => {
    fc.assert(
      fc.property(setArb.chain((set) => fc.tuple(fc.constant(set), fc.shuffledSubarray(set, { minLength: set.length }))), ([set, shuffled]) => {
        const a = MerkleTree.of(set, hash);
        const b = MerkleTree.of(shuffled, hash);
        expect(b.summary()).toEqual(a.summary());
        expect(leavesOf(b)).toEqual(leavesOf(a));
      }),
    );
  });

  it('any single-tuple difference changes exactly the leaf of that key, and only its group in the summary', () => {
    fc.assert(
      fc.property(setArb, fc.nat(), fc.constantFrom<Change>('version', 'origin', 'kind', 'missing'), (set, pick, change) => {
        const i = pick % set.length;
        const victim = set[i]!;
        const other = changed(victim, change);
        const modified = set.flatMap((t, j) => (j !== i ? [t] : other ? [other] : []));
        const a = MerkleTree.of(set, hash);
        const b = MerkleTree.of(modified, hash);
        const bucket = bucketOf(victim.key, hash);
        expect(differing(leavesOf(a), leavesOf(b))).toEqual([bucket]);
        const groups = differing(a.summary(), b.summary());
        expect(groups).toEqual([groupOf(bucket)]);
        expect(differingBuckets(a, groups, groups.map((g) => b.groupLeaves(g)))).toEqual([bucket]);
      }),
    );
  });

  it('a bucket is the key\'s own: it does not depend on version, origin or kind', () => {
    fc.assert(
      fc.property(tupleArb(keyArb), (t) => {
        const b = bucketOf(t.key, hash);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(LEAF_COUNT);
        const tree = MerkleTree.of([t], hash);
        expect(tree.leaf(b)).toBe(tupleHash(t, hash));
      }),
    );
  });

  it('keys are spread over the buckets (low hash bits, independent of ring position)', () => {
    const used = new Set(Array.from({ length: 5000 }, (_, i) => bucketOf(`key-${i}`, hash)));
    expect(used.size).toBeGreaterThan(LEAF_COUNT * 0.95);
  });

  it('the allocation-free EntryHasher agrees with bucketOf and tupleHash, long keys and any origin included', () => {
    const hasher = new EntryHasher(hash);
    const longKey = fc.string({ unit: 'grapheme', minLength: 300, maxLength: 1024 });
    fc.assert(
      fc.property(tupleArb(fc.oneof(keyArb, longKey)), fc.string({ minLength: 1, maxLength: 253 }), (t, origin) => {
        const u = { ...t, origin };
        hasher.load(u);
        expect(hasher.bucket).toBe(bucketOf(u.key, hash));
        expect(hasher.tuple).toBe(tupleHash(u, hash));
        expect(hasher.bucketOf(u.key)).toBe(bucketOf(u.key, hash));
      }),
    );
  });

  it('EntryHasher writes the version digits and origin bytes itself: the same bytes as tupleHash for every version', () => {
    const hasher = new EntryHasher(hash);
    const edges = [0, 1, 9, 10, 99, 100, 99_999_999, 100_000_000, 100_000_001, 1_000_000_000, 1_764_999_999_123_456, 2 ** 53 - 1];
    const versions = fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 1e9 }));
    fc.assert(
      fc.property(keyArb, versions, fc.constantFrom('node-1', 'nœud-2', 'n'), fc.constantFrom('item' as const, 'tombstone' as const), (key, version, origin, kind) => {
        const t = { key, version, origin, kind };
        expect(hasher.loadKey(key).loadTuple(key, version, origin, kind).tuple).toBe(tupleHash(t, hash));
        expect(hasher.load(t).tuple).toBe(tupleHash(t, hash));
      }),
      { numRuns: 2000 },
    );
  });

  it('tuple hashes stay distinct when a key contains NUL', () => {
    const a = { key: 'a\u00001', version: 2, origin: 'node-1', kind: 'item' as const };
    const b = { key: 'a', version: 1, origin: 'node-1', kind: 'item' as const };
    const c = { key: 'a\u00001\u00002', version: 3, origin: 'node-1', kind: 'item' as const };
    expect(new Set([tupleHash(a, hash), tupleHash(b, hash), tupleHash(c, hash)]).size).toBe(3);
  });

  it('leaf sums wrap modulo 2^64', () => {
    const max = (1n << 64n) - 1n;
    const fixed: Hash64 = () => max;
    const tree = MerkleTree.of([{ key: 'a', version: 1, origin: 'node-1', kind: 'item' }, { key: 'b', version: 1, origin: 'node-1', kind: 'item' }], fixed);
    expect(tree.leaf(bucketOf('a', fixed))).toBe(max - 1n);
  });
});
