/** 64-bit hash of bytes (xxHash64 seed 0 in production; injected so tests can use anything). */
export type Hash64 = (bytes: Uint8Array) => bigint;

interface VNode {
  hash: bigint;
  node: string;
}

/**
 * Consistent-hash ring (docs/cluster.md §1): virtual node i of member m hashes UTF-8(m) ‖ byte(i);
 * virtual nodes are sorted by unsigned hash, ties by node ID; owners walk clockwise collecting
 * distinct members.
 */
export class HashRing {
  private readonly vnodes: VNode[];
  readonly members: readonly string[];
  /** Per replication factor: the owners from each virtual node on, computed once (the ring never changes). */
  private readonly ownersFrom = new Map<number, string[][]>();
  private readonly encoder = new TextEncoder();
  /** A key of up to 1024 bytes is encoded here for hashing instead of into a fresh Buffer. */
  private readonly scratch = new Uint8Array(1024);

  constructor(
    members: Iterable<string>,
    private readonly vnodesPerMember: number,
    private readonly hash: Hash64,
  ) {
    this.members = [...new Set(members)].sort();
    const list: VNode[] = [];
    for (const node of this.members) {
      const id = Buffer.from(node, 'utf8');
      const buf = Buffer.alloc(id.length + 1);
      id.copy(buf);
      for (let i = 0; i < vnodesPerMember; i++) {
        buf[id.length] = i;
        list.push({ hash: hash(buf), node });
      }
    }
    list.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    this.vnodes = list;
  }

  get size(): number {
    return this.members.length;
  }

  /** Owners of `key`, primary first: min(rf, members) distinct node IDs (a fresh array the caller may keep or change). */
  owners(key: string, rf: number): string[] {
    return this.ownersView(key, rf).slice();
  }

  /** `owners` without the copy, for a caller that only reads the list (do not change or keep it). */
  ownersView(key: string, rf: number): readonly string[] {
    if (this.members.length < 2) return this.members.slice(0, Math.min(rf, this.members.length));
    const { read, written } = this.encoder.encodeInto(key, this.scratch);
    const h = this.hash(read === key.length ? this.scratch.subarray(0, written) : Buffer.from(key, 'utf8'));
    return this.ownersOfHash(h, rf);
  }

  /**
   * Owners of the key whose hash (of its UTF-8 bytes) is `h`, for a caller that hashed the key
   * already (the anti-entropy leaves take their bucket from the same hash). The list is shared:
   * read it, do not change or keep it.
   */
  ownersOfHash(h: bigint, rf: number): readonly string[] {
    const want = Math.min(rf, this.members.length);
    if (want === 0) return [];
    if (this.members.length === 1) return this.members;
    let table = this.ownersFrom.get(want);
    if (!table) this.ownersFrom.set(want, (table = this.vnodes.map((_, i) => this.walk(i, want))));
    return table[this.firstAtOrAfter(h)]!;
  }

  /** `/cluster/ring` entries: `<16 hex digits>:<node ID>` in ring order. */
  describe(): string[] {
    return this.vnodes.map((v) => `${v.hash.toString(16).padStart(16, '0')}:${v.node}`);
  }

  /** True when both rings have the same members and virtual node count. */
  sameAs(other: HashRing): boolean {
    return (
      this.vnodesPerMember === other.vnodesPerMember &&
      this.members.length === other.members.length &&
      this.members.every((m, i) => m === other.members[i])
    );
  }

  /** The first `want` distinct members clockwise from virtual node `start`. */
  private walk(start: number, want: number): string[] {
    const out: string[] = [];
    const n = this.vnodes.length;
    for (let i = start, seen = 0; seen < n && out.length < want; i = (i + 1) % n, seen++) {
      const node = this.vnodes[i]!.node;
      if (!out.includes(node)) out.push(node);
    }
    return out;
  }

  private firstAtOrAfter(h: bigint): number {
    let lo = 0;
    let hi = this.vnodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vnodes[mid]!.hash < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.vnodes.length ? 0 : lo;
  }
}
