/** What the store reports to metrics and stats; implemented outside the core. */
export type EvictionReason = 'capacity' | 'memory';
export type ExpiryTrigger = 'sweep' | 'read' | 'manual';
export type ApplySource = 'local' | 'replication' | 'hint' | 'repair' | 'merkle' | 'migration' | 'handoff';

export interface StoreObserver {
  evicted(reason: EvictionReason, key: string): void;
  /** One eviction pass ended (a write that had to evict, or POST /evict). */
  evictionPass(evicted: number, durationNs: number, itemsAfter: number): void;
  expired(trigger: ExpiryTrigger, count: number): void;
  /** One expiry sweep ended: a periodic one that examined at least one item, or any triggered one. */
  expirySweep(removed: number, durationNs: number, itemsAfter: number): void;
  purgedTombstones(count: number): void;
  staleApply(source: ApplySource): void;
  applySkipped(source: ApplySource): void;
}

export const nullStoreObserver: StoreObserver = {
  evicted: () => {},
  evictionPass: () => {},
  expired: () => {},
  expirySweep: () => {},
  purgedTombstones: () => {},
  staleApply: () => {},
  applySkipped: () => {},
};

/**
 * Follows what the store holds, entry by entry, as (version, origin, kind) per key: `removed` for the
 * entry a slot held before it was replaced, purged, evicted or dropped, `added` for the entry stored.
 * Called synchronously inside the store operation, so it must be cheap and must not throw.
 */
export interface StoreTupleListener {
  added(slot: number, key: string, version: number, origin: string, kind: 'item' | 'tombstone'): void;
  removed(slot: number, key: string, version: number, origin: string, kind: 'item' | 'tombstone'): void;
}
