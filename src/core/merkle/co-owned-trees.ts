import type { HashRing, Hash64 } from '../ring/hash-ring.js';
import type { LocalStore } from '../store/local-store.js';
import type { StoreTupleListener } from '../store/store-events.js';
import type { Clock } from '../time/clock.js';
import { yieldToLoop } from '../time/deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import { EntryHasher, LEAF_COUNT, MerkleTree } from './merkle-tree.js';

/** Width of a time slice of the leaves: entries are summed per slice of their version's issue time. */
export const SLICE_MS = 1000;
/** Slices this far behind the newest cutoff asked for are folded into the base leaves. */
export const FOLD_AFTER_MS = 10_000;
/**
 * Slices this far behind the wall clock are folded on the write path too, so the slices stay bounded
 * (about this many seconds per peer, 8 KiB each) when no round asks (anti-entropy off here and at the
 * peers). Well behind any cutoff a round asks for, unless clocks are that far apart.
 */
export const KEEP_SLICES_MS = 30_000;
/** Slots a rebuild reads between two turns of the event loop. */
const REBUILD_CHUNK = 4096;

export interface CoOwnedTreesDeps {
  nodeId: string;
  replication: number;
  /** The current ring; a new ring object means ownership changed and the leaves are rebuilt. */
  ring(): HashRing;
  store: LocalStore;
  hash: Hash64;
  clock: Clock;
  scheduler: Scheduler;
}

/** The leaf digests of the entries co-owned with one peer: a base plus one set per time slice. */
class PeerLeaves {
  readonly base = new BigUint64Array(LEAF_COUNT);
  readonly slices = new Map<number, BigUint64Array>();

  /** Adds (sign 1) or removes (sign -1) a tuple hash; BigUint64Array arithmetic is modulo 2^64. */
  add(bucket: number, tuple: bigint, slice: number, folded: number, sign: 1 | -1): void {
    let leaves = slice < folded ? this.base : this.slices.get(slice);
    if (!leaves) this.slices.set(slice, (leaves = new BigUint64Array(LEAF_COUNT)));
    leaves[bucket] = sign === 1 ? leaves[bucket]! + tuple : leaves[bucket]! - tuple;
  }

  fold(folded: number): void {
    for (const [slice, leaves] of this.slices) {
      if (slice >= folded) continue;
      for (let i = 0; i < LEAF_COUNT; i++) this.base[i] = this.base[i]! + leaves[i]!;
      this.slices.delete(slice);
    }
  }

  /** Base plus every slice that starts before `before` (all of them when undefined). */
  sum(before: number | undefined): BigUint64Array {
    const out = new BigUint64Array(this.base);
    for (const [slice, leaves] of this.slices) {
      if (before !== undefined && slice >= before) continue;
      for (let i = 0; i < LEAF_COUNT; i++) out[i] = out[i]! + leaves[i]!;
    }
    return out;
  }
}

/**
 * The anti-entropy leaves of every peer, kept up to date on each store change instead of being
 * rebuilt from the whole store every round (issue 18: a round's cost followed the store size). A
 * write costs one ring lookup and two hashes; a snapshot sums at most a few slices of 1024 digests.
 *
 * Each entry counts in the leaves of every other owner of its key (when this node owns it too), in
 * the slice of its version's issue time, so a snapshot can leave out the entries issued after a
 * cutoff: writes still in flight to a replica then do not show as differences.
 *
 * When the ring changes, every key may have other co-owners: the leaves are rebuilt by a scan of the
 * store in chunks, in slot order. A change to a slot the scan already passed is applied at once; a
 * change to a slot ahead of it is left to the scan, so nothing is counted twice or missed.
 */
export class CoOwnedTrees implements StoreTupleListener {
  private readonly hasher: EntryHasher;
  private peers = new Map<string, PeerLeaves>();
  private ring: HashRing;
  /** Rebuild cursor: slots below it are counted; -1 when the leaves are complete. */
  private cursor = 0;
  /** Slices that start before this are in the base leaves. */
  private folded = -Infinity;
  private rebuilding?: Promise<void>;
  /** Full rebuilds started (tests and diagnostics). */
  rebuilds = 0;

  constructor(private readonly deps: CoOwnedTreesDeps) {
    this.hasher = new EntryHasher(deps.hash);
    this.ring = deps.ring();
    deps.store.watch(this);
  }

  /** Time slices held over all peers (tests and diagnostics). */
  get sliceCount(): number {
    let n = 0;
    for (const leaves of this.peers.values()) n += leaves.slices.size;
    return n;
  }

  /** Whether the leaves follow the current ring with nothing left to scan. */
  get complete(): boolean {
    return this.cursor < 0 && this.deps.ring() === this.ring;
  }

  added(slot: number, key: string, version: number, origin: string, kind: 'item' | 'tombstone'): void {
    if (this.follows(slot)) this.apply(key, version, origin, kind, 1);
  }

  removed(slot: number, key: string, version: number, origin: string, kind: 'item' | 'tombstone'): void {
    if (this.follows(slot)) this.apply(key, version, origin, kind, -1);
  }

  /** Completes a pending rebuild (scanning in chunks, yielding to the event loop between them). */
  async ready(): Promise<void> {
    while (!this.complete) {
      this.rebuilding ??= this.rebuild().finally(() => (this.rebuilding = undefined));
      await this.rebuilding;
    }
  }

  /**
   * The tree of the entries co-owned with `peer` whose version was issued before `before` (epoch
   * ms, a multiple of SLICE_MS; every entry when undefined). Call after `ready()`.
   */
  snapshot(peer: string, before: number | undefined): MerkleTree {
    if (before !== undefined) this.fold(before - FOLD_AFTER_MS);
    const leaves = this.peers.get(peer)?.sum(before) ?? new BigUint64Array(LEAF_COUNT);
    return MerkleTree.fromLeaves(leaves, this.deps.hash);
  }

  /** Whether a change of `slot` is to be applied now; a new ring restarts the rebuild instead. */
  private follows(slot: number): boolean {
    if (this.deps.ring() !== this.ring) {
      this.restart();
      return false;
    }
    return this.cursor < 0 || slot < this.cursor;
  }

  private restart(): void {
    this.ring = this.deps.ring();
    this.peers = new Map();
    this.cursor = 0;
  }

  private async rebuild(): Promise<void> {
    if (this.deps.ring() !== this.ring || this.cursor < 0) this.restart();
    this.rebuilds++;
    const apply = (_slot: number, key: string, version: number, origin: string, kind: 'item' | 'tombstone') => this.apply(key, version, origin, kind, 1);
    while (this.cursor >= 0) {
      this.cursor = this.deps.store.scanTuples(this.cursor, REBUILD_CHUNK, apply);
      if (this.cursor >= 0) await yieldToLoop(this.deps.scheduler);
      // A ring change during the yield restarted the scan (follows → restart): go on from slot 0.
    }
  }

  private apply(key: string, version: number, origin: string, kind: 'item' | 'tombstone', sign: 1 | -1): void {
    const { nodeId, replication } = this.deps;
    // One hash of the key gives both its owners and its bucket.
    const owners = this.ring.ownersOfHash(this.hasher.loadKey(key).keyHash, replication);
    if (owners.length < 2 || !owners.includes(nodeId)) return;
    const horizon = Math.floor((this.deps.clock.now() - KEEP_SLICES_MS) / SLICE_MS) * SLICE_MS;
    if (horizon > this.folded) this.fold(horizon);
    const { bucket, tuple } = this.hasher.loadTuple(key, version, origin, kind);
    const slice = Math.floor(version / 1000 / SLICE_MS) * SLICE_MS;
    for (const peer of owners) {
      if (peer === nodeId) continue;
      let leaves = this.peers.get(peer);
      if (!leaves) this.peers.set(peer, (leaves = new PeerLeaves()));
      leaves.add(bucket, tuple, slice, this.folded, sign);
    }
  }

  private fold(to: number): void {
    if (to <= this.folded) return;
    this.folded = to;
    for (const leaves of this.peers.values()) leaves.fold(to);
  }
}
