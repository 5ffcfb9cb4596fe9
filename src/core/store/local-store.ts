import type { Clock } from '../time/clock.js';
import { compareOrigin } from '../versioning/order.js';
import { Float64Column, Int32Column, RefColumn, Uint32Column } from './columns.js';
import { type Entry, type ItemEntry, type TombstoneEntry, entryBytes } from './entry.js';
import { type EvictionPolicy, createEvictionPolicy } from './eviction-policy.js';
import { ExpiryIndex } from './expiry-index.js';
import { KeyIndex } from './key-index.js';
import { RecordKind, Slab } from './slab.js';
import { type ApplySource, type ExpiryTrigger, type StoreObserver, type StoreTupleListener, nullStoreObserver } from './store-events.js';

export interface StoreLimits {
  /** Max live items, 0 = unlimited. */
  capacity: number;
  /** Max key+value bytes of live items, 0 = unlimited. */
  maxMemory: number;
  eviction: 'lru' | 'lfu';
  tombstoneTtlMs: number;
}

/** hard: coordination, replicate, hints, handoff (evict to fit). soft: repair, merkle, migration (skip a new key that does not fit). */
export type ApplyMode = 'hard' | 'soft';
export type ApplyResult = 'applied' | 'stale' | 'skipped';

/** Values below this size are stored in the slab record with the key, larger ones as their own Buffer. */
export const SMALL_VALUE_BYTES = 1024;

/**
 * The node's local entries (docs/cluster.md §6.1, §7, §6, docs/single-node.md §3, §2): at most one item or tombstone
 * per key, apply-if-newer on every path, caps enforced on every apply.
 *
 * Compact layout (issues 7 and 18, ≤ 100 B per item beyond key and value bytes): each stored key gets
 * a slot number (`index`: key-index.ts, buckets of slot numbers, no Map entry per key) and one record
 * in the slab (slab.ts: pages of memory off the V8 heap) holding the key and, below 1 KiB, the value
 * bytes; the slot's record handle is a uint32 column. From 1 KiB the value is an own Buffer (handed
 * out as is, so callers must not write to it; the object is < 10 % of such a value). Either way the
 * store keeps its own copy that never retains a larger request chunk. The rest lives in per-slot
 * columns (columns.ts): version and times as unboxed float64, the origin as an index into a table
 * of node IDs; eviction and expiry bookkeeping are typed columns over the same slots. No JS object
 * or string exists per stored item: `Entry` objects (with a fresh `Buffer` value) and key strings
 * are built only when one is handed out.
 */
export class LocalStore {
  /** Slab handle of the slot's record (key, kind, value length, small values); 0 = free slot. */
  private readonly recordOf = new Uint32Column();
  private readonly slab = new Slab((slot, handle) => this.recordOf.set(slot, handle));
  /** key → slot (key-index.ts: a hash table over the slots, smaller than a Map). */
  private readonly index = new KeyIndex((slot, key) => this.slab.keyEquals(this.recordOf.get(slot), key));
  /** Values of SMALL_VALUE_BYTES and more (record kind External): an own Buffer copy, handed out as is. */
  private readonly bigValueOf = new RefColumn<Buffer>();
  private readonly versionOf = new Float64Column();
  /** updatedAt of an item, deletedAt of a tombstone. */
  private readonly timeOf = new Float64Column();
  private readonly expiresOf = new Float64Column();
  private readonly originOf = new Int32Column();
  private readonly originNames: string[] = [];
  private readonly originIds = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private slotCount = 0;
  private readonly policy: EvictionPolicy;
  private readonly expiring = new ExpiryIndex();
  /** Slots holding tombstones. */
  private readonly tombstones = new Set<number>();
  private itemCount = 0;
  private byteCount = 0;
  /** Incremental followers of the stored entries (the anti-entropy trees). */
  private readonly listeners: StoreTupleListener[] = [];

  constructor(
    private readonly limits: StoreLimits,
    private readonly clock: Clock,
    private readonly observer: StoreObserver = nullStoreObserver,
  ) {
    this.policy = createEvictionPolicy(limits.eviction);
  }

  get items(): number {
    return this.itemCount;
  }
  /** Key + value bytes of the stored items. */
  get bytes(): number {
    return this.byteCount;
  }
  /** Live tombstones; non-live ones waiting for the purge sweep do not count (TombstonesActive). */
  get tombstoneCount(): number {
    const now = this.clock.now();
    let live = 0;
    for (const slot of this.tombstones) if (this.tombstoneLiveAt(slot, now)) live++;
    return live;
  }
  get expiringCount(): number {
    return this.expiring.size;
  }
  /** Bytes of the slab's pages, and of the records live in them (diagnostics and tests). */
  get arena(): { allocatedBytes: number; liveBytes: number } {
    return { allocatedBytes: this.slab.allocatedBytes, liveBytes: this.slab.liveBytes };
  }
  /** One past the highest slot in use: the bound of `scanTuples`. */
  get slotBound(): number {
    return this.slotCount;
  }

  /** Reports every later change of a stored entry to `listener` (see StoreTupleListener). */
  watch(listener: StoreTupleListener): void {
    this.listeners.push(listener);
  }

  /**
   * Calls `fn` for the stored entry (item or tombstone, live or not) of each slot in
   * [from, from + count), without building Entry objects. Returns the next slot to scan, or -1 when
   * the scan passed the last slot: a listener that rebuilds its state in chunks counts a change of
   * a slot below its cursor and leaves the rest to the scan.
   */
  scanTuples(from: number, count: number, fn: StoreTupleListener['added']): number {
    const end = Math.min(this.slotCount, from + count);
    for (let slot = from; slot < end; slot++) {
      const h = this.recordOf.get(slot);
      if (h !== 0) fn(slot, this.slab.key(h), this.versionOf.get(slot), this.originNames[this.originOf.get(slot)]!, this.kindAt(slot));
    }
    return end >= this.slotCount ? -1 : end;
  }

  /**
   * Like `allEntries` over the slots [from, to), but builds an entry only for keys that pass `want`
   * (a cheap key test first), so a caller can yield to the event loop between slot ranges.
   */
  *entriesWhere(want: (key: string) => boolean, from = 0, to = Infinity): IterableIterator<Entry> {
    for (let slot = from; slot < Math.min(to, this.slotCount); slot++) {
      const key = this.keyAt(slot);
      if (key === undefined || !want(key)) continue;
      if (this.isItem(slot) || this.tombstoneLiveAt(slot, this.clock.now())) yield this.entryAt(slot, key);
    }
  }

  /** The stored entry without counting a use (coordination, replication, anti-entropy). */
  peek(key: string): Entry | undefined {
    const slot = this.slotOf(key);
    return slot === undefined ? undefined : this.entryAt(slot, key);
  }

  /**
   * A client read served from the local copy: the visible item or undefined. An expired item is
   * removed at once (trigger `read`); a hit counts as a use for eviction.
   */
  read(key: string): ItemEntry | undefined {
    const slot = this.slotOf(key);
    if (slot === undefined || !this.isItem(slot)) return undefined;
    const expiresAt = this.expiresOf.get(slot);
    if (expiresAt !== 0 && this.clock.now() >= expiresAt) {
      this.remove(key, slot);
      this.observer.expired('read', 1);
      return undefined;
    }
    this.policy.touch(slot);
    return this.itemAt(slot, key);
  }

  isLiveTombstone(e: Entry): boolean {
    return e.kind === 'tombstone' && this.clock.now() < e.deletedAt + this.limits.tombstoneTtlMs;
  }

  /** apply-if-newer (docs/cluster.md §6) with the capacity rules of docs/single-node.md §2. */
  apply(entry: Entry, mode: ApplyMode, source: ApplySource): ApplyResult {
    if (entry.kind === 'tombstone' && !this.isLiveTombstone(entry)) {
      this.observer.staleApply(source);
      return 'stale';
    }
    const slot = this.slotOf(entry.key);
    if (slot !== undefined && this.compareStored(slot, entry) >= 0) {
      this.observer.staleApply(source);
      return 'stale';
    }
    if (entry.kind === 'item') {
      const currentItem = slot !== undefined && this.isItem(slot);
      const growth = entryBytes(entry) - (currentItem ? this.bytesAt(slot) : 0);
      const newKey = !currentItem;
      if (mode === 'soft' && newKey && !this.fits(1, growth)) {
        this.observer.applySkipped(source);
        return 'skipped';
      }
      this.makeRoom(newKey ? 1 : 0, growth, currentItem ? slot : undefined);
    }
    this.store(entry, slot);
    return 'applied';
  }

  /** Remove every item (POST /clear); tombstones stay. Returns the number removed. */
  clearItems(): number {
    const removed = this.itemCount;
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.isItem(slot)) {
        const key = this.keyAt(slot)!;
        this.notifyRemoved(slot, key);
        this.index.delete(key);
        this.release(slot);
      }
    }
    this.policy.clear();
    this.expiring.clear();
    this.itemCount = 0;
    this.byteCount = 0;
    return removed;
  }

  /** Evict by policy until within both caps (POST /evict). Returns the number evicted. */
  enforceCaps(): number {
    const start = this.clock.hrtimeNs();
    const evicted = this.makeRoom(0, 0);
    // POST /evict is an eviction pass (docs/api.md §2.2) even when it finds nothing to evict; makeRoom reports the others.
    if (evicted === 0) this.observer.evictionPass(0, Number(this.clock.hrtimeNs() - start), this.itemCount);
    return evicted;
  }

  /**
   * One active-expiry pass (docs/single-node.md §3): sample `sampleSize` items with an expiry, remove the expired,
   * repeat while more than 25 % of the sample expired and the time budget lasts.
   */
  sweepExpired(sampleSize: number, budgetMs: number, random: { int(n: number): number }): number {
    const start = this.clock.hrtimeNs();
    const budgetNs = BigInt(Math.round(budgetMs * 1e6));
    let removed = 0;
    let examined = 0;
    for (;;) {
      const sample = this.expiring.sample(sampleSize, random);
      if (sample.length === 0) break;
      examined += sample.length;
      const expired = this.removeExpired(sample);
      removed += expired;
      if (expired * 4 <= sample.length || this.clock.hrtimeNs() - start >= budgetNs) break;
    }
    this.endSweep('sweep', examined, removed, start);
    return removed;
  }

  /** Full sweep (POST /trigger-expiration, docs/api.md §2.8): every item with an expiry, and non-live tombstones. */
  expireAll(): number {
    const start = this.clock.hrtimeNs();
    const slots = this.expiring.all();
    const removed = this.removeExpired(slots);
    this.purgeTombstones();
    this.endSweep('manual', slots.length, removed, start);
    return removed;
  }

  /** Removes the expired items among `slots` (distinct slots of items with an expiry). */
  private removeExpired(slots: number[]): number {
    const now = this.clock.now();
    let removed = 0;
    for (const slot of slots) {
      if (!this.expiring.has(slot)) continue;
      const expiresAt = this.expiresOf.get(slot);
      if (expiresAt !== 0 && expiresAt <= now) {
        this.remove(this.keyAt(slot)!, slot);
        removed++;
      }
    }
    return removed;
  }

  private endSweep(trigger: ExpiryTrigger, examined: number, removed: number, start: bigint): void {
    if (removed > 0) this.observer.expired(trigger, removed);
    // A periodic sweep with nothing to examine is not recorded, so an idle node keeps empty stats (docs/api.md §2.2).
    if (examined > 0 || trigger === 'manual') this.observer.expirySweep(removed, Number(this.clock.hrtimeNs() - start), this.itemCount);
  }

  /** Drop tombstones past TOMBSTONE_TTL. Returns the number purged. */
  purgeTombstones(): number {
    const now = this.clock.now();
    let purged = 0;
    for (const slot of [...this.tombstones]) {
      if (!this.tombstoneLiveAt(slot, now)) {
        this.remove(this.keyAt(slot)!, slot);
        purged++;
      }
    }
    if (purged > 0) this.observer.purgedTombstones(purged);
    return purged;
  }

  /**
   * Drops the local copy of `key` (item or tombstone) with all its accounting and writes no
   * tombstone: a copy this node no longer owns (rebalancing, docs/cluster.md §8.4). Returns whether one existed.
   */
  discard(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    this.remove(key, slot);
    return true;
  }

  /** Visible items whose key matches, for the key browser. */
  *visibleKeys(): IterableIterator<string> {
    const now = this.clock.now();
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (!this.isItem(slot)) continue;
      const expiresAt = this.expiresOf.get(slot);
      if (expiresAt === 0 || now < expiresAt) yield this.keyAt(slot)!;
    }
  }

  /** Every stored entry (items, visible or not, and live tombstones). */
  *allEntries(): IterableIterator<Entry> {
    // Walks the slots, so removals and additions between steps are tolerated (callers yield to the
    // event loop): a removed key is skipped, a key added in a slot not yet reached is visited.
    for (let slot = 0; slot < this.slotCount; slot++) {
      const key = this.keyAt(slot);
      if (key === undefined) continue;
      if (this.isItem(slot) || this.tombstoneLiveAt(slot, this.clock.now())) yield this.entryAt(slot, key);
    }
  }

  /** The slot of `key`, purging a non-live tombstone found there (as a read of it would). */
  private slotOf(key: string): number | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    if (!this.isItem(slot) && !this.tombstoneLiveAt(slot, this.clock.now())) {
      this.remove(key, slot);
      this.observer.purgedTombstones(1);
      return undefined;
    }
    return slot;
  }

  private tombstoneLiveAt(slot: number, now: number): boolean {
    return now < this.timeOf.get(slot) + this.limits.tombstoneTtlMs;
  }

  /** The key of the slot's record, as a new string; undefined for a free slot. */
  private keyAt(slot: number): string | undefined {
    const h = this.recordOf.get(slot);
    return h === 0 ? undefined : this.slab.key(h);
  }

  /** Whether the slot holds an item (not a tombstone, not free). */
  private isItem(slot: number): boolean {
    const h = this.recordOf.get(slot);
    return h !== 0 && this.slab.kind(h) !== RecordKind.Tombstone;
  }

  private entryAt(slot: number, key: string): Entry {
    if (this.isItem(slot)) return this.itemAt(slot, key);
    const tombstone: TombstoneEntry = {
      kind: 'tombstone',
      key,
      version: this.versionOf.get(slot),
      origin: this.originNames[this.originOf.get(slot)]!,
      deletedAt: this.timeOf.get(slot),
    };
    return tombstone;
  }

  private itemAt(slot: number, key: string): ItemEntry {
    const h = this.recordOf.get(slot);
    return {
      kind: 'item',
      key,
      value: this.slab.kind(h) === RecordKind.Inline ? this.slab.value(h) : this.bigValueOf.get(slot)!,
      version: this.versionOf.get(slot),
      origin: this.originNames[this.originOf.get(slot)]!,
      updatedAt: this.timeOf.get(slot),
      expiresAt: this.expiresOf.get(slot),
    };
  }

  /** compareVersioned(stored, e) without building the stored entry. */
  private compareStored(slot: number, e: Entry): number {
    const version = this.versionOf.get(slot);
    if (version !== e.version) return version < e.version ? -1 : 1;
    return compareOrigin(this.originNames[this.originOf.get(slot)]!, e.origin);
  }

  /** Key + value bytes of the item in `slot` (entryBytes of it). */
  private bytesAt(slot: number): number {
    const h = this.recordOf.get(slot);
    return this.slab.keyUtf8Bytes(h) + this.slab.valueLength(h);
  }

  private originId(origin: string): number {
    let id = this.originIds.get(origin);
    if (id === undefined) {
      id = this.originNames.length;
      this.originNames.push(origin);
      this.originIds.set(origin, id);
    }
    return id;
  }

  private fits(extraItems: number, extraBytes: number): boolean {
    const { capacity, maxMemory } = this.limits;
    if (capacity > 0 && this.itemCount + extraItems > capacity) return false;
    if (maxMemory > 0 && this.byteCount + extraBytes > maxMemory) return false;
    return true;
  }

  private makeRoom(extraItems: number, extraBytes: number, keep?: number): number {
    if (this.fits(extraItems, extraBytes)) return 0;
    const { capacity, maxMemory } = this.limits;
    const start = this.clock.hrtimeNs();
    let evicted = 0;
    for (;;) {
      const overItems = capacity > 0 && this.itemCount + extraItems > capacity;
      const overBytes = maxMemory > 0 && this.byteCount + extraBytes > maxMemory;
      if (!overItems && !overBytes) break;
      const victim = this.policy.victim(keep);
      if (victim === undefined) break;
      const key = this.keyAt(victim)!;
      this.remove(key, victim);
      evicted++;
      this.observer.evicted(overItems ? 'capacity' : 'memory', key);
    }
    if (evicted > 0) this.observer.evictionPass(evicted, Number(this.clock.hrtimeNs() - start), this.itemCount + extraItems);
    return evicted;
  }

  private store(entry: Entry, current: number | undefined): void {
    let slot = current;
    const wasItem = slot !== undefined && this.isItem(slot);
    if (slot !== undefined) this.notifyRemoved(slot, entry.key);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.slotCount++;
      this.writeRecord(slot, entry);
      this.index.add(entry.key, slot);
    } else {
      // An item replacing an item keeps its eviction history (LFU counts the apply as one more use).
      this.unaccount(slot, entry.kind === 'item' && wasItem);
      this.writeRecord(slot, entry);
    }
    this.versionOf.set(slot, entry.version);
    this.originOf.set(slot, this.originId(entry.origin));
    if (entry.kind === 'item') {
      this.timeOf.set(slot, entry.updatedAt);
      this.expiresOf.set(slot, entry.expiresAt);
      this.itemCount++;
      this.byteCount += entryBytes(entry);
      if (wasItem) this.policy.touch(slot);
      else this.policy.add(slot);
      if (entry.expiresAt !== 0) this.expiring.add(slot);
    } else {
      this.timeOf.set(slot, entry.deletedAt);
      this.expiresOf.set(slot, 0);
      this.tombstones.add(slot);
    }
    for (const l of this.listeners) l.added(slot, entry.key, entry.version, entry.origin, entry.kind);
  }

  /**
   * Writes the slot's record for `entry` (key, kind, value length; a small value's bytes), reusing
   * the slot's current record in place when the record keeps its size, else freeing it.
   * Always a copy: never a view that keeps a larger request buffer alive.
   */
  private writeRecord(slot: number, entry: Entry): void {
    const old = this.recordOf.get(slot);
    const big = entry.kind === 'item' && entry.value.length >= SMALL_VALUE_BYTES;
    const kind = entry.kind === 'tombstone' ? RecordKind.Tombstone : big ? RecordKind.External : RecordKind.Inline;
    const value = entry.kind === 'item' ? entry.value : undefined;
    const length = value?.length ?? 0;
    this.bigValueOf.set(slot, big ? Buffer.from(value!) : undefined);
    if (old !== 0 && this.slab.rewrite(old, kind, length, value)) return;
    if (old !== 0) this.slab.free(old);
    this.recordOf.set(slot, this.slab.put(slot, entry.key, kind, length, value));
  }

  private kindAt(slot: number): 'item' | 'tombstone' {
    return this.isItem(slot) ? 'item' : 'tombstone';
  }

  private notifyRemoved(slot: number, key: string): void {
    if (this.listeners.length === 0) return;
    const version = this.versionOf.get(slot);
    const origin = this.originNames[this.originOf.get(slot)]!;
    const kind = this.kindAt(slot);
    for (const l of this.listeners) l.removed(slot, key, version, origin, kind);
  }

  private remove(key: string, slot: number): void {
    this.notifyRemoved(slot, key);
    this.index.delete(key);
    this.unaccount(slot);
    this.release(slot);
  }

  /** Returns a slot no key maps to any more to the free list, dropping its references. */
  private release(slot: number): void {
    this.slab.free(this.recordOf.get(slot));
    this.recordOf.set(slot, 0);
    this.bigValueOf.set(slot, undefined);
    this.freeSlots.push(slot);
  }

  private unaccount(slot: number, keepPolicy = false): void {
    if (this.isItem(slot)) {
      this.itemCount--;
      this.byteCount -= this.bytesAt(slot);
      if (!keepPolicy) this.policy.remove(slot);
      this.expiring.remove(slot);
    } else {
      this.tombstones.delete(slot);
    }
  }
}
