import type { Clock } from '../time/clock.js';
import { compareVersioned } from '../versioning/order.js';
import { type Entry, type ItemEntry, entryBytes, isVisible } from './entry.js';
import { type EvictionPolicy, createEvictionPolicy } from './eviction-policy.js';
import { ExpiryIndex } from './expiry-index.js';
import { type ApplySource, type ExpiryTrigger, type StoreObserver, nullStoreObserver } from './store-events.js';

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

/**
 * The node's local entries (CONTRACT §6.1, §6.5, §6.7, §6.11, §6.12): at most one item or tombstone
 * per key, apply-if-newer on every path, caps enforced on every apply.
 */
export class LocalStore {
  private readonly entries = new Map<string, Entry>();
  private readonly policy: EvictionPolicy;
  private readonly expiring = new ExpiryIndex();
  private readonly tombstones = new Set<string>();
  private itemCount = 0;
  private byteCount = 0;

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
    let live = 0;
    for (const key of this.tombstones) if (this.isLiveTombstone(this.entries.get(key)!)) live++;
    return live;
  }
  get expiringCount(): number {
    return this.expiring.size;
  }

  /** The stored entry without counting a use (coordination, replication, anti-entropy). */
  peek(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e?.kind === 'tombstone' && !this.isLiveTombstone(e)) {
      this.remove(key);
      this.observer.purgedTombstones(1);
      return undefined;
    }
    return e;
  }

  /**
   * A client read served from the local copy: the visible item or undefined. An expired item is
   * removed at once (trigger `read`); a hit counts as a use for eviction.
   */
  read(key: string): ItemEntry | undefined {
    const e = this.peek(key);
    if (!e || e.kind !== 'item') return undefined;
    if (!isVisible(e, this.clock.now())) {
      this.remove(key);
      this.observer.expired('read', 1);
      return undefined;
    }
    this.policy.touch(key);
    return e;
  }

  isLiveTombstone(e: Entry): boolean {
    return e.kind === 'tombstone' && this.clock.now() < e.deletedAt + this.limits.tombstoneTtlMs;
  }

  /** apply-if-newer (§6.7) with the capacity rules of §6.12. */
  apply(entry: Entry, mode: ApplyMode, source: ApplySource): ApplyResult {
    if (entry.kind === 'tombstone' && !this.isLiveTombstone(entry)) {
      this.observer.staleApply(source);
      return 'stale';
    }
    const current = this.peek(entry.key);
    if (current && compareVersioned(current, entry) >= 0) {
      this.observer.staleApply(source);
      return 'stale';
    }
    if (entry.kind === 'item') {
      const growth = entryBytes(entry) - (current?.kind === 'item' ? entryBytes(current) : 0);
      const newKey = current?.kind !== 'item';
      if (mode === 'soft' && newKey && !this.fits(1, growth)) {
        this.observer.applySkipped(source);
        return 'skipped';
      }
      this.makeRoom(newKey ? 1 : 0, growth, entry.key);
    }
    this.store(entry, current);
    return 'applied';
  }

  /** Remove every item (POST /clear); tombstones stay. Returns the number removed. */
  clearItems(): number {
    const removed = this.itemCount;
    for (const [key, e] of this.entries) if (e.kind === 'item') this.entries.delete(key);
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
    // POST /evict is an eviction pass (§5.3) even when it finds nothing to evict; makeRoom reports the others.
    if (evicted === 0) this.observer.evictionPass(0, Number(this.clock.hrtimeNs() - start), this.itemCount);
    return evicted;
  }

  /**
   * One active-expiry pass (§6.11): sample `sampleSize` items with an expiry, remove the expired,
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

  /** Full sweep (POST /trigger-expiration, §5.8): every item with an expiry, and non-live tombstones. */
  expireAll(): number {
    const start = this.clock.hrtimeNs();
    const keys = this.expiring.all();
    const removed = this.removeExpired(keys);
    this.purgeTombstones();
    this.endSweep('manual', keys.length, removed, start);
    return removed;
  }

  private removeExpired(keys: string[]): number {
    const now = this.clock.now();
    let removed = 0;
    for (const key of keys) {
      const e = this.entries.get(key);
      if (e?.kind === 'item' && e.expiresAt !== 0 && e.expiresAt <= now) {
        this.remove(key);
        removed++;
      }
    }
    return removed;
  }

  private endSweep(trigger: ExpiryTrigger, examined: number, removed: number, start: bigint): void {
    if (removed > 0) this.observer.expired(trigger, removed);
    // A periodic sweep with nothing to examine is not recorded, so an idle node keeps empty stats (§5.3).
    if (examined > 0 || trigger === 'manual') this.observer.expirySweep(removed, Number(this.clock.hrtimeNs() - start), this.itemCount);
  }

  /** Drop tombstones past TOMBSTONE_TTL. Returns the number purged. */
  purgeTombstones(): number {
    let purged = 0;
    for (const key of [...this.tombstones]) {
      const e = this.entries.get(key);
      if (e && !this.isLiveTombstone(e)) {
        this.remove(key);
        purged++;
      }
    }
    if (purged > 0) this.observer.purgedTombstones(purged);
    return purged;
  }

  /**
   * Drops the local copy of `key` (item or tombstone) with all its accounting and writes no
   * tombstone: a copy this node no longer owns (rebalancing, §6.10). Returns whether one existed.
   */
  discard(key: string): boolean {
    if (!this.entries.has(key)) return false;
    this.remove(key);
    return true;
  }

  /** Visible items whose key matches, for the key browser. */
  *visibleKeys(): IterableIterator<string> {
    const now = this.clock.now();
    for (const e of this.entries.values()) if (e.kind === 'item' && isVisible(e, now)) yield e.key;
  }

  /** Every stored entry (items, visible or not, and live tombstones). */
  *allEntries(): IterableIterator<Entry> {
    for (const e of this.entries.values()) if (e.kind === 'item' || this.isLiveTombstone(e)) yield e;
  }

  private fits(extraItems: number, extraBytes: number): boolean {
    const { capacity, maxMemory } = this.limits;
    if (capacity > 0 && this.itemCount + extraItems > capacity) return false;
    if (maxMemory > 0 && this.byteCount + extraBytes > maxMemory) return false;
    return true;
  }

  private makeRoom(extraItems: number, extraBytes: number, keep?: string): number {
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
      this.remove(victim);
      evicted++;
      this.observer.evicted(overItems ? 'capacity' : 'memory', victim);
    }
    if (evicted > 0) this.observer.evictionPass(evicted, Number(this.clock.hrtimeNs() - start), this.itemCount + extraItems);
    return evicted;
  }

  private store(entry: Entry, current: Entry | undefined): void {
    // An item replacing an item keeps its eviction history (LFU counts the apply as one more use).
    if (current) this.unaccount(current, entry.kind === 'item' && current.kind === 'item');
    this.entries.set(entry.key, entry);
    if (entry.kind === 'item') {
      this.itemCount++;
      this.byteCount += entryBytes(entry);
      this.policy.touch(entry.key);
      if (entry.expiresAt !== 0) this.expiring.add(entry.key);
    } else {
      this.tombstones.add(entry.key);
    }
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.unaccount(e);
  }

  private unaccount(e: Entry, keepPolicy = false): void {
    if (e.kind === 'item') {
      this.itemCount--;
      this.byteCount -= entryBytes(e);
      if (!keepPolicy) this.policy.remove(e.key);
      this.expiring.remove(e.key);
    } else {
      this.tombstones.delete(e.key);
    }
  }
}
