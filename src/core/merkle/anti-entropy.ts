import type { MemberTable } from '../membership/member-table.js';
import type { CoreCounters, MerkleOutcome } from '../metrics/core-counters.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../replication/transport.js';
import type { Hash64 } from '../ring/hash-ring.js';
import type { Entry } from '../store/entry.js';
import type { LocalStore } from '../store/local-store.js';
import type { Clock } from '../time/clock.js';
import { withDeadline, yieldToLoop } from '../time/deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import type { Random } from '../time/random.js';
import type { HybridLogicalClock } from '../versioning/hlc.js';
import { type Versioned, compareVersioned } from '../versioning/order.js';
import { batchesBySize, pageOfBuckets } from './merkle-batches.js';
import { EntryHasher, MerkleTree, differing, differingBuckets } from './merkle-tree.js';
import { type BucketSelector, ENVELOPE_RESERVE_BYTES, type MerkleRequest, type MerkleResponse } from './merkle-wire.js';
import { PeerRotation } from './peer-rotation.js';

/** CONTRACT §7.4: every `merkle` call, and each anti-entropy push, within 10 s. */
export const MERKLE_TIMEOUT_MS = 10_000;
/** Entries per push `replicate`, besides the size limit. */
export const PUSH_BATCH_MAX = 512;
/** Entries a round scans between two turns of the event loop. */
const SCAN_CHUNK = 4096;

export interface AntiEntropyTransport {
  merkle(peer: PeerRef, request: MerkleRequest, timeoutMs: number): Promise<MerkleResponse>;
}

/** Single-node mode: there is nobody to compare with. */
export const noAntiEntropyTransport: AntiEntropyTransport = {
  merkle: () => Promise.reject(new TransportError('not-sent', 'no peer transport')),
};

export interface AntiEntropyDeps {
  nodeId: string;
  /** Owners on this node's current ring. */
  owners(key: string): string[];
  members: MemberTable;
  store: LocalStore;
  hlc: HybridLogicalClock;
  hash: Hash64;
  counters: CoreCounters;
  clock: Clock;
  scheduler: Scheduler;
  random: Random;
  isDraining(): boolean;
  /** The dist message limit (CONTRACT §7.4), for answers and push batches. */
  maxMessageBytes: number;
  transport(): AntiEntropyTransport;
  /** Pushes travel as `replicate` with source `merkle` (soft apply at the peer). */
  replication(): ReplicationTransport;
}

export type RoundOutcome = MerkleOutcome | 'idle';

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
 * Merkle anti-entropy (CONTRACT §6.9). Each round compares the tree of the entries co-owned with
 * one alive peer, fetches the entries of the differing buckets, pulls what is newer there (soft
 * apply) and pushes what is newer here. `answer` serves the peer's side of the same exchange.
 */
export class AntiEntropy {
  private readonly rotation: PeerRotation;
  private readonly hasher: EntryHasher;
  /** The tree behind the last summary answered, reused for the `leaves` step that follows it. */
  private answered?: { from: string; tree: MerkleTree; at: number };

  constructor(private readonly deps: AntiEntropyDeps) {
    this.rotation = new PeerRotation(deps.random);
    this.hasher = new EntryHasher(deps.hash);
  }

  /** One round (called every MERKLE_INTERVAL by a non-overlapping loop). Never throws. */
  async round(): Promise<RoundOutcome> {
    const { deps } = this;
    if (deps.isDraining()) return 'idle';
    const alive = deps.members.list().filter((m) => m.ID !== deps.nodeId && m.State === 'alive');
    const id = this.rotation.next(alive.map((m) => m.ID));
    const peer = alive.find((m) => m.ID === id);
    if (!peer) return 'idle';
    const start = deps.clock.hrtimeNs();
    const stats: RoundStats = { pulled: 0, pushed: 0, buildNs: 0n, diffNs: 0n, fetchNs: 0n };
    let outcome: MerkleOutcome;
    let error = '';
    try {
      outcome = await this.sync({ id: peer.ID, address: peer.Address }, stats);
    } catch (err) {
      outcome = 'error';
      error = `with ${peer.ID}: ${err instanceof Error ? err.message : String(err)}`;
    }
    const d = deps.counters.dist;
    d.MerkleBuildNanos = Number(stats.buildNs);
    d.MerkleDiffNanos = Number(stats.diffNs);
    d.MerkleFetchNanos = Number(stats.fetchNs);
    deps.counters.merkleRound(outcome, stats.pulled, stats.pushed, Number(deps.clock.hrtimeNs() - start), error);
    return outcome;
  }

  /**
   * Answers an inbound `merkle` request over the entries co-owned with `request.from` on this node's
   * ring. The scans yield to the event loop every SCAN_CHUNK entries, so a large store never holds up
   * probes and client requests for a whole scan.
   */
  async answer(request: MerkleRequest): Promise<MerkleResponse> {
    const now = this.deps.clock.now();
    if (request.want === 'summary') {
      const { tree } = await this.buildInChunks(request.from, false);
      this.answered = { from: request.from, tree, at: now };
      return { want: 'summary', groups: tree.summary() };
    }
    if (request.want === 'leaves') {
      // The leaves of the snapshot the requester compared against; entries are always read fresh.
      const last = this.answered;
      const fresh = last && last.from === request.from && now - last.at < MERKLE_TIMEOUT_MS;
      const tree = fresh ? last.tree : (await this.buildInChunks(request.from, false)).tree;
      return { want: 'leaves', leaves: request.groups.map((g) => tree.groupLeaves(g)) };
    }
    const scope = await this.bucketsOf(request.from, new Set(request.buckets.map((s) => s.bucket)));
    const page = pageOfBuckets(request.buckets, (b) => scope.get(b) ?? [], this.deps.maxMessageBytes - ENVELOPE_RESERVE_BYTES);
    return { want: 'entries', ...page };
  }

  private async sync(peer: PeerRef, stats: RoundStats): Promise<MerkleOutcome> {
    const { clock } = this.deps;
    let t = clock.hrtimeNs();
    const { tree, scope } = await this.buildInChunks(peer.id);
    stats.buildNs = clock.hrtimeNs() - t;

    const summary = await this.call(peer, { from: this.deps.nodeId, want: 'summary' }, stats);
    t = clock.hrtimeNs();
    const groups = differing(tree.summary(), summary.groups);
    stats.diffNs += clock.hrtimeNs() - t;
    if (groups.length === 0) return 'clean';

    const leaves = await this.call(peer, { from: this.deps.nodeId, want: 'leaves', groups }, stats);
    t = clock.hrtimeNs();
    const buckets = differingBuckets(tree, groups, leaves.leaves);
    stats.diffNs += clock.hrtimeNs() - t;
    if (buckets.length === 0) return 'clean';

    const theirs = await this.pull(peer, buckets, stats);
    t = clock.hrtimeNs();
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
    const { store, hlc, nodeId, owners } = this.deps;
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
        if (!owners(e.key).includes(nodeId)) continue;
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
   * The tree of the co-owned entries: local items (visible or not) and live tombstones whose key has
   * both this node and `peer` among its owners, and (`withScope`) those entries by bucket. Lets the
   * event loop run every SCAN_CHUNK entries; Map iteration survives concurrent writes, so the tree is
   * then a slightly fuzzy snapshot, repaired by the next round.
   */
  private async buildInChunks(peer: string, withScope = true): Promise<{ tree: MerkleTree; scope: Scope }> {
    const tree = new MerkleTree(this.deps.hash);
    const scope: Scope = new Map();
    let n = 0;
    for (const e of this.deps.store.allEntries()) {
      this.feed(e, peer, tree, withScope ? scope : undefined);
      if (++n % SCAN_CHUNK === 0) await yieldToLoop(this.deps.scheduler);
    }
    return { tree, scope };
  }

  private feed(e: Entry, peer: string, tree: MerkleTree, scope?: Scope): void {
    const o = this.deps.owners(e.key);
    if (!o.includes(this.deps.nodeId) || !o.includes(peer)) return;
    const { bucket, tuple } = this.hasher.load(e);
    tree.addHashed(bucket, tuple);
    if (scope) addTo(scope, bucket, e);
  }

  /** The co-owned entries of some buckets only: a key's bucket is cheaper to find than its owners. */
  private async bucketsOf(peer: string, only: ReadonlySet<number>): Promise<Scope> {
    const { store, owners, nodeId } = this.deps;
    const scope: Scope = new Map();
    let n = 0;
    for (const e of store.allEntries()) {
      if (++n % SCAN_CHUNK === 0) await yieldToLoop(this.deps.scheduler);
      const bucket = this.hasher.bucketOf(e.key);
      if (!only.has(bucket)) continue;
      const o = owners(e.key);
      if (o.includes(nodeId) && o.includes(peer)) addTo(scope, bucket, e);
    }
    return scope;
  }
}

function addTo(scope: Scope, bucket: number, e: Entry): void {
  const list = scope.get(bucket);
  if (list) list.push(e);
  else scope.set(bucket, [e]);
}
