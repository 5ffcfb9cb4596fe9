import type { Hash64 } from '../ring/hash-ring.js';

/**
 * The anti-entropy hash tree (docs/cluster.md §8.3). Two levels over a fixed layout: LEAF_COUNT leaf
 * buckets, chosen by the low bits of the key's 64-bit hash (the ring orders keys by the high bits,
 * so co-owned keys still spread over every bucket), grouped by GROUP_SIZE into GROUP_COUNT groups.
 * A leaf digest is the sum mod 2^64 of its entries' tuple hashes, so it does not depend on the
 * order entries are added in; a group digest hashes its leaves in order. A round exchanges the
 * group digests (the summary), then the leaves of differing groups, then the entries of differing
 * leaves: traffic follows the number of differing buckets, not the number of keys.
 */
export const LEAF_COUNT = 1024;
export const GROUP_SIZE = 32;
export const GROUP_COUNT = LEAF_COUNT / GROUP_SIZE;

/** What the tree compares of an entry. */
export interface MerkleTuple {
  key: string;
  version: number;
  origin: string;
  kind: 'item' | 'tombstone';
}

const LEAF_MASK = BigInt(LEAF_COUNT - 1);

/** The leaf bucket of a key. */
export function bucketOf(key: string, hash: Hash64): number {
  return Number(hash(Buffer.from(key, 'utf8')) & LEAF_MASK);
}

export function groupOf(bucket: number): number {
  return Math.floor(bucket / GROUP_SIZE);
}

/**
 * xxHash64 of `key\0version\0origin\0kind`. Injective even for keys containing NUL: the three
 * fields after the key never contain one, so the string parses from the right.
 */
export function tupleHash(t: MerkleTuple, hash: Hash64): bigint {
  return hash(Buffer.from(`${t.key}\0${t.version}\0${t.origin}\0${t.kind}`, 'utf8'));
}

const ITEM = Buffer.from('item');
const TOMBSTONE = Buffer.from('tombstone');
const ORIGIN_CACHE = 256;

/** Writes the decimal digits of a safe non-negative integer at `at` (as `String(n)` would); returns the end. */
function writeDecimal(b: Uint8Array, at: number, n: number): number {
  // Two halves below 10^8 each keep the digit loop in 32-bit integer arithmetic.
  const high = Math.floor(n / 1e8);
  const low = n - high * 1e8;
  if (high > 0) {
    at = writeDigits(b, at, high);
    for (let d = 1e7; d >= 1; d /= 10) b[at++] = 48 + (Math.floor(low / d) % 10);
    return at;
  }
  return writeDigits(b, at, low);
}

function writeDigits(b: Uint8Array, at: number, n: number): number {
  let len = 1;
  for (let t = n; t >= 10; t = (t / 10) | 0) len++;
  let i = at + len;
  do {
    b[--i] = 48 + (n % 10);
    n = (n / 10) | 0;
  } while (n > 0);
  return at + len;
}

/**
 * `bucketOf` and `tupleHash` in one go, without allocating: the key is encoded once into a scratch
 * buffer, hashed for the bucket, then extended with the other fields and hashed again. A round
 * does this for every co-owned entry, so it is the hot path.
 */
export class EntryHasher {
  private readonly encoder = new TextEncoder();
  // key ≤ 1024 bytes, version ≤ 16 digits, origin ≤ 253 bytes, kind, separators; larger input falls back.
  private readonly scratch = new Uint8Array(2048);
  bucket = 0;
  tuple = 0n;
  /** The hash of the key's UTF-8 bytes (the ring position), set by `loadKey` and `loadFields`. */
  keyHash = 0n;
  /** Bytes of the key in `scratch` after `loadKey`; -1 when the key did not fit. */
  private keyBytes = -1;

  /** UTF-8 of the origins seen (node IDs: few), up to ORIGIN_CACHE of them. */
  private readonly origins = new Map<string, Uint8Array>();

  constructor(private readonly hash: Hash64) {}

  private originBytes(origin: string): Uint8Array | undefined {
    let bytes = this.origins.get(origin);
    if (bytes === undefined && this.origins.size < ORIGIN_CACHE) this.origins.set(origin, (bytes = Buffer.from(origin, 'utf8')));
    return bytes;
  }

  /** `bucketOf(key)`. */
  bucketOf(key: string): number {
    const { read, written } = this.encoder.encodeInto(key, this.scratch);
    if (read < key.length) return bucketOf(key, this.hash);
    return Number(this.hash(this.scratch.subarray(0, written)) & LEAF_MASK);
  }

  /** Sets `bucket` and `tuple` for the entry. */
  load(t: MerkleTuple): this {
    return this.loadFields(t.key, t.version, t.origin, t.kind);
  }

  /** `load` from the fields (the store's change events carry no entry object). */
  loadFields(key: string, version: number, origin: string, kind: MerkleTuple['kind']): this {
    return this.loadKey(key).loadTuple(key, version, origin, kind);
  }

  /**
   * Sets `keyHash` and `bucket`: one hash of the key, which gives both its ring position and its
   * leaf bucket. `loadTuple` of the same key may follow.
   */
  loadKey(key: string): this {
    const { read, written } = this.encoder.encodeInto(key, this.scratch);
    this.keyBytes = read < key.length ? -1 : written;
    this.keyHash = this.keyBytes < 0 ? this.hash(Buffer.from(key, 'utf8')) : this.hash(this.scratch.subarray(0, written));
    this.bucket = Number(this.keyHash & LEAF_MASK);
    return this;
  }

  /**
   * Sets `tuple`, after `loadKey(key)`: `\0version\0origin\0kind` is appended to the key bytes
   * already encoded, the version's decimal digits written straight into the buffer and the origin's
   * bytes taken from a small cache (no string built per entry). The bytes are those of `tupleHash`.
   */
  loadTuple(key: string, version: number, origin: string, kind: MerkleTuple['kind']): this {
    const originBytes = this.originBytes(origin);
    const kindBytes = kind === 'item' ? ITEM : TOMBSTONE;
    if (this.keyBytes >= 0 && originBytes && Number.isSafeInteger(version) && version >= 0 && this.keyBytes + 19 + originBytes.length + kindBytes.length <= this.scratch.length) {
      const b = this.scratch;
      let at = this.keyBytes;
      b[at++] = 0;
      at = writeDecimal(b, at, version);
      b[at++] = 0;
      b.set(originBytes, at);
      at += originBytes.length;
      b[at++] = 0;
      b.set(kindBytes, at);
      at += kindBytes.length;
      this.tuple = this.hash(b.subarray(0, at));
      return this;
    }
    this.tuple = tupleHash({ key, version, origin, kind }, this.hash);
    return this;
  }
}

export class MerkleTree {
  private readonly leaves = new BigUint64Array(LEAF_COUNT);
  private groups?: bigint[];

  constructor(private readonly hash: Hash64) {}

  add(t: MerkleTuple): void {
    this.addHashed(bucketOf(t.key, this.hash), tupleHash(t, this.hash));
  }

  /** Adds an entry hashed by the caller (`EntryHasher`). */
  addHashed(bucket: number, tuple: bigint): void {
    // BigUint64Array stores modulo 2^64.
    this.leaves[bucket] = this.leaves[bucket]! + tuple;
    this.groups = undefined;
  }

  leaf(bucket: number): bigint {
    return this.leaves[bucket]!;
  }

  /** The GROUP_SIZE leaf digests of a group, in bucket order. */
  groupLeaves(group: number): bigint[] {
    return [...this.leaves.subarray(group * GROUP_SIZE, (group + 1) * GROUP_SIZE)];
  }

  /** The summary: GROUP_COUNT digests, each a hash of its group's leaves in order. */
  summary(): bigint[] {
    this.groups ??= Array.from({ length: GROUP_COUNT }, (_, g) => {
      // Little-endian whatever the platform, so every node hashes the same bytes.
      const bytes = Buffer.alloc(GROUP_SIZE * 8);
      for (let i = 0; i < GROUP_SIZE; i++) bytes.writeBigUInt64LE(this.leaves[g * GROUP_SIZE + i]!, i * 8);
      return this.hash(bytes);
    });
    return [...this.groups];
  }

  /** A tree over a copy of the given leaf digests (a snapshot of incrementally kept leaves). */
  static fromLeaves(leaves: BigUint64Array, hash: Hash64): MerkleTree {
    const tree = new MerkleTree(hash);
    tree.leaves.set(leaves);
    return tree;
  }

  static of(tuples: Iterable<MerkleTuple>, hash: Hash64): MerkleTree {
    const tree = new MerkleTree(hash);
    for (const t of tuples) tree.add(t);
    return tree;
  }
}

/** Indices where two digest lists of the same layout differ (a length mismatch counts every index). */
export function differing(a: readonly bigint[], b: readonly bigint[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** Buckets of the given groups whose leaves differ, `theirs[i]` holding the leaves of `groups[i]`. */
export function differingBuckets(mine: MerkleTree, groups: readonly number[], theirs: readonly (readonly bigint[])[]): number[] {
  const out: number[] = [];
  groups.forEach((g, i) => {
    for (const j of differing(mine.groupLeaves(g), theirs[i] ?? [])) out.push(g * GROUP_SIZE + j);
  });
  return out;
}
