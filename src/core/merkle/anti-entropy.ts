import type { MemberTable } from '../membership/member-table.js';
import type { CoreCounters, MerkleOutcome } from '../metrics/core-counters.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../replication/transport.js';
import type { Hash64, HashRing } from '../ring/hash-ring.js';
import type { Entry } from '../store/entry.js';
import type { LocalStore } from '../store/local-store.js';
import type { Clock } from '../time/clock.js';
import { withDeadline } from '../replication/call-deadline.js';
import { yieldToLoop } from '../time/deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import type { Random } from '../time/random.js';
import type { HybridLogicalClock } from '../versioning/hlc.js';
import { type Versioned, compareVersioned } from '../versioning/order.js';
import { batchesBySize, pageOfBuckets } from './merkle-batches.js';
import { CoOwnedTrees, SLICE_MS } from './co-owned-trees.js';
import { EntryHasher, type MerkleTree, differing, differingBuckets } from './merkle-tree.js';
import { type BucketSelector, ENVELOPE_RESERVE_BYTES, type MerkleRequest, type MerkleResponse } from './merkle-wire.js';
import { PeerRotation } from './peer-rotation.js';

/** docs/peer-protocol.md §4: every `merkle` call, and each anti-entropy push, within 10 s. */
export const MERKLE_TIMEOUT_MS = 10_000;
/** Entries per push `replicate`, besides the size limit. */
export const PUSH_BATCH_MAX = 512;
/** Entries a round scans between two turns of the event loop. */
const SCAN_CHUNK = 4096;
/**
 * Entries whose version was issued less than this long ago (rounded down to a whole SLICE_MS) are
 * left out of the compared digests: under a steady write load they are mostly still on their way to
 * the other replicas, and counting them made every bucket differ in every round.
 */
export const SETTLE_MS = 2000;

/** The `before` of a round started at `now`: the start of the slice SETTLE_MS back. */
export function settledBefore(now: number): number {
  return Math.floor((now - SETTLE_MS) / SLICE_MS) * SLICE_MS;
}

export interface AntiEntropyTransport {
  merkle(peer: PeerRef, request: MerkleRequest, timeoutMs: number): Promise<MerkleResponse>;
}

/** Single-node mode: there is nobody to compare with. */
export const noAntiEntropyTransport: AntiEntropyTransport = {
  merkle: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
};

export interface AntiEntropyDeps {
  nodeId: string;
  /** RF: owners per key. */
  replicationFactor: number;
  /** This node's current ring (owners are evaluated on it). */
  ring(): HashRing;
  members: MemberTable;
  store: LocalStore;
  hlc: HybridLogicalClock;
  hash: Hash64;
  counters: CoreCounters;
  clock: Clock;
  scheduler: Scheduler;
  random: Random;
  isDraining(): boolean;
  /** The dist message limit (docs/peer-protocol.md §4), for answers and push batches. */
  maxMessageBytes: number;
  transport(): AntiEntropyTransport;
  /** Pushes travel as `replicate` with source `merkle` (soft apply at the peer). */
  replication(): ReplicationTransport;
  /**
   * Whether this node's rebalancing for its current ring is done (Rebalancer.settled). A round waits
   * for it on both sides: right after a ring change the leaves of a new co-owner differ in every
   * bucket, and a round would send the keys the migration is sending. Always true when not given.
   */
  rebalanced?(): boolean;
}

/** `deferred`: this node or the peer is still rebalancing for its current ring; the round did nothing. */
export type RoundOutcome = MerkleOutcome | 'idle' | 'deferred';

interface RoundStats {
  pulled: number;
  pushed: number;
  buildNs: bigint;
  diffNs: bigint;
  fetchNs: bigint;
}

/** The co-owned entries of one peer, by leaf bucket. */
type Scope = Map<number, Entry[]>;

/**
 * Merkle anti-entropy (docs/cluster.md §8.3). Each round compares the tree of the entries co-owned with
 * one alive peer, fetches the entries of the differing buckets, pulls what is newer there (soft
 * apply) and pushes what is newer here. `answer` serves the peer's side of the same exchange.
 */
export class AntiEntropy {
  private readonly rotation: PeerRotation;
  private readonly hasher: EntryHasher;
  /** The co-owned leaves per peer, kept up to date by the store's change events. */
  readonly trees: CoOwnedTrees;
  /** The tree behind the last summary answered, reused for the `leaves` step that follows it. */
  private answered?: { from: string; tree: MerkleTree; at: number };

  constructor(private readonly deps: AntiEntropyDeps) {
    this.rotation = new PeerRotation(deps.random);
    this.hasher = new EntryHasher(deps.hash);
    this.trees = new CoOwnedTrees({
      nodeId: deps.nodeId, replication: deps.replicationFactor, ring: () => deps.ring(), store: deps.store, hash: deps.hash, clock: deps.clock, scheduler: deps.scheduler,
    });
  }

  private owners(key: string): string[] {
    return this.deps.ring().owners(key, this.deps.replicationFactor);
  }

  /** One round (called every MERKLE_INTERVAL by a non-overlapping loop). Never throws. */
  async round(): Promise<RoundOutcome> {
    const { deps } = this;
    if (deps.isDraining()) return 'idle';
    if (!this.rebalanced()) return this.deferred();
    const alive = deps.members.list().filter((m) => m.ID !== deps.nodeId && m.State === 'alive');
    const id = this.rotation.next(alive.map((m) => m.ID));
    const peer = alive.find((m) => m.ID === id);
    if (!peer) return 'idle';
    const start = deps.clock.hrtimeNs();
    const stats: RoundStats = { pulled: 0, pushed: 0, buildNs: 0n, diffNs: 0n, fetchNs: 0n };
    let outcome: MerkleOutcome | 'deferred';
    let error = '';
    try {
      outcome = await this.sync({ id: peer.ID, address: peer.Address }, stats);
    } catch (err) {
      outcome = 'error';
      error = `with ${peer.ID}: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (outcome === 'deferred') return this.deferred();
    const d = deps.counters.dist;
    d.MerkleBuildNanos = Number(stats.buildNs);
    d.MerkleDiffNanos = Number(stats.diffNs);
    d.MerkleFetchNanos = Number(stats.fetchNs);
    deps.counters.merkleRound(outcome, stats.pulled, stats.pushed, Number(deps.clock.hrtimeNs() - start), error);
    return outcome;
  }

  /**
   * Answers an inbound `merkle` request over the entries co-owned with `request.from` on this node's
   * ring. Digests come from the incrementally kept leaves; the scans (a rebuild after a ring change,
   * the entries of differing buckets) yield to the event loop every SCAN_CHUNK entries, so a large
   * store never holds up probes and client requests for a whole scan.
   */
  async answer(request: MerkleRequest): Promise<MerkleResponse> {
    const now = this.deps.clock.now();
    if (request.want === 'summary') {
      const tree = await this.snapshot(request.from, request.before);
      this.answered = { from: request.from, tree, at: now };
      return { want: 'summary', groups: tree.summary(), ...(this.rebalanced() ? {} : { rebalancing: true }) };
    }
    if (request.want === 'leaves') {
      // The leaves of the snapshot the requester compared against; entries are always read fresh.
      const last = this.answered;
      const fresh = last && last.from === request.from && now - last.at < MERKLE_TIMEOUT_MS;
      const tree = fresh ? last.tree : await this.snapshot(request.from, request.before);
      return { want: 'leaves', leaves: request.groups.map((g) => tree.groupLeaves(g)) };
    }
    const scope = await this.bucketsOf(request.from, new Set(request.buckets.map((s) => s.bucket)));
    const page = pageOfBuckets(request.buckets, (b) => scope.get(b) ?? [], this.deps.maxMessageBytes - ENVELOPE_RESERVE_BYTES);
    return { want: 'entries', ...page };
  }

  private rebalanced(): boolean {
    return this.deps.rebalanced?.() ?? true;
  }

  private deferred(): 'deferred' {
    this.deps.counters.merkleDeferred++;
    return 'deferred';
  }

  private async sync(peer: PeerRef, stats: RoundStats): Promise<MerkleOutcome | 'deferred'> {
    const { clock } = this.deps;
    const before = settledBefore(clock.now());
    let t = clock.hrtimeNs();
    const tree = await this.snapshot(peer.id, before);
    stats.buildNs = clock.hrtimeNs() - t;

    const summary = await this.call(peer, { from: this.deps.nodeId, want: 'summary', before }, stats);
    // The peer still sends or receives migrated keys: compare once it is done (the rotation comes back to it).
    if (summary.rebalancing) return 'deferred';
    t = clock.hrtimeNs();
    const groups = differing(tree.summary(), summary.groups);
    stats.diffNs += clock.hrtimeNs() - t;
    if (groups.length === 0) return 'clean';

    const leaves = await this.call(peer, { from: this.deps.nodeId, want: 'leaves', groups, before }, stats);
    t = clock.hrtimeNs();
    const buckets = differingBuckets(tree, groups, leaves.leaves);
    stats.diffNs += clock.hrtimeNs() - t;
    if (buckets.length === 0) return 'clean';

    const theirs = await this.pull(peer, buckets, stats);
    t = clock.hrtimeNs();
    const scope = await this.bucketsOf(peer.id, new Set(buckets));
    const push = this.newerHere(scope, buckets, theirs);
    stats.diffNs += clock.hrtimeNs() - t;
    await this.push(peer, push, stats);
    return 'repaired';
  }

  /**
   * Fetches every entry of the buckets (following `remaining` until done) and applies, soft, those
   * newer than the local copy for keys this node owns. Returns the peer's (version, origin) per key.
   */
  private async pull(peer: PeerRef, buckets: number[], stats: RoundStats): Promise<Map<string, Versioned>> {
    const { store, hlc, nodeId } = this.deps;
    const asked = new Set(buckets);
    const theirs = new Map<string, Versioned>();
    let selectors: BucketSelector[] = buckets.map((bucket) => ({ bucket }));
    while (selectors.length > 0) {
      const page = await this.call(peer, { from: nodeId, want: 'entries', buckets: selectors }, stats);
      if (page.entries.length === 0 && page.remaining.length >= selectors.length) throw new Error('merkle: answer made no progress');
      // The whole page is checked before anything of it is applied.
      if (page.entries.some((e) => !asked.has(this.hasher.bucketOf(e.key)))) throw new Error('merkle: entry outside the requested buckets');
      // Cursors only move forward, so a key comes once: a repeat would be a responder looping.
      if (page.entries.some((e) => theirs.has(e.key))) throw new Error('merkle: key sent twice');
      for (const e of page.entries) {
        hlc.observe(e.version);
        theirs.set(e.key, { version: e.version, origin: e.origin });
        const local = store.peek(e.key);
        if (local && compareVersioned(e, local) <= 0) continue;
        // Only keys this node owns on its own ring: views may differ while membership settles.
        if (!this.owners(e.key).includes(nodeId)) continue;
        if (store.apply(e, 'soft', 'merkle') === 'applied') stats.pulled++;
      }
      selectors = page.remaining;
    }
    return theirs;
  }

  /** Current local entries of the differing buckets that the peer lacks or holds older. */
  private newerHere(scope: Scope, buckets: number[], theirs: Map<string, Versioned>): Entry[] {
    const out: Entry[] = [];
    for (const b of buckets) {
      for (const { key } of scope.get(b) ?? []) {
        const current = this.deps.store.peek(key);
        const remote = theirs.get(key);
        if (current && (!remote || compareVersioned(current, remote) > 0)) out.push(current);
      }
    }
    return out;
  }

  private async push(peer: PeerRef, entries: Entry[], stats: RoundStats): Promise<void> {
    const budget = this.deps.maxMessageBytes - ENVELOPE_RESERVE_BYTES;
    for (const batch of batchesBySize(entries, budget, PUSH_BATCH_MAX)) {
      await withDeadline(this.deps.replication().replicate(peer, 'merkle', batch, MERKLE_TIMEOUT_MS), MERKLE_TIMEOUT_MS, this.deps.scheduler);
      stats.pushed += batch.length;
    }
  }

  private async call<W extends MerkleRequest['want']>(
    peer: PeerRef,
    request: MerkleRequest & { want: W },
    stats: RoundStats,
  ): Promise<MerkleResponse & { want: W }> {
    const t = this.deps.clock.hrtimeNs();
    try {
      const res = await withDeadline(this.deps.transport().merkle(peer, request, MERKLE_TIMEOUT_MS), MERKLE_TIMEOUT_MS, this.deps.scheduler);
      if (res.want !== request.want) throw new Error(`merkle: ${res.want} answer to a ${request.want} request`);
      return res as MerkleResponse & { want: W };
    } finally {
      stats.fetchNs += this.deps.clock.hrtimeNs() - t;
    }
  }

  /**
   * The tree of the co-owned entries: local items (visible or not) and tombstones whose key has both
   * this node and `peer` among its owners, issued before `before` (all when undefined). Tombstones
   * past TOMBSTONE_TTL are purged first, so both sides leave them out alike.
   */
  private async snapshot(peer: string, before: number | undefined): Promise<MerkleTree> {
    this.deps.store.purgeTombstones();
    await this.trees.ready();
    return this.trees.snapshot(peer, before);
  }

  /**
   * The co-owned entries of some buckets only (items and live tombstones, built only for keys of
   * those buckets): a key's bucket is cheaper to find than its owners. Only a round that found
   * differences scans, yielding to the event loop every SCAN_CHUNK keys.
   */
  private async bucketsOf(peer: string, only: ReadonlySet<number>): Promise<Scope> {
    const { store, nodeId } = this.deps;
    const scope: Scope = new Map();
    const inBuckets = (key: string) => only.has(this.hasher.bucketOf(key));
    for (let from = 0; from < store.slotBound; from += SCAN_CHUNK) {
      if (from > 0) await yieldToLoop(this.deps.scheduler);
      for (const e of store.entriesWhere(inBuckets, from, from + SCAN_CHUNK)) {
        const o = this.owners(e.key);
        if (o.includes(nodeId) && o.includes(peer)) addTo(scope, this.hasher.bucketOf(e.key), e);
      }
    }
    return scope;
  }
}

function addTo(scope: Scope, bucket: number, e: Entry): void {
  const list = scope.get(bucket);
  if (list) list.push(e);
  else scope.set(bucket, [e]);
}
