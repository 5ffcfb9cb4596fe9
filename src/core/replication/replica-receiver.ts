import type { CoreCounters } from '../metrics/core-counters.js';
import type { Entry } from '../store/entry.js';
import type { LocalStore } from '../store/local-store.js';
import type { HybridLogicalClock } from '../versioning/hlc.js';
import { HARD_SOURCES, type ReplicateResult, type ReplicateSource } from './wire.js';

export interface ReplicaReceiverDeps {
  store: LocalStore;
  hlc: HybridLogicalClock;
  counters: Pick<CoreCounters, 'replicaReadMisses'>;
  /** An applied copy of `key` arrived (the rebalancer moves it on when this node does not own it). */
  noteReceived: (key: string) => void;
}

/**
 * The receiving side of the data-plane peer operations (docs/cluster.md §8): `replicate` applies
 * entries another node sent, `read` answers an owner's local entries. The peer listener parses and
 * encodes the messages; the rules live here, next to the coordinator that sends them.
 */
export class ReplicaReceiver {
  constructor(private readonly deps: ReplicaReceiverDeps) {}

  /**
   * Apply-if-newer, one result per entry: hard for replication, hint and handoff, soft (skipped at
   * capacity) for repair, merkle and migration. Every version is observed by the HLC first, so this
   * node's next write orders after it.
   */
  apply(source: ReplicateSource, entries: readonly Entry[]): ReplicateResult[] {
    const { store, hlc, noteReceived } = this.deps;
    const mode = HARD_SOURCES.has(source) ? 'hard' : 'soft';
    return entries.map((entry): ReplicateResult => {
      hlc.observe(entry.version);
      if (store.apply(entry, mode, source) !== 'applied') return 'stale';
      // A copy of a key this node does not own (views diverged) moves on at the next rebalance tick.
      noteReceived(entry.key);
      return 'applied';
    });
  }

  /** This owner's entry per key: an item, a tombstone still within its TTL, or undefined (counted as a miss). */
  read(keys: readonly string[]): (Entry | undefined)[] {
    const { store } = this.deps;
    let misses = 0;
    const entries = keys.map((k) => {
      const e = store.peek(k);
      if (e && (e.kind === 'item' || store.isLiveTombstone(e))) return e;
      misses++;
      return undefined;
    });
    this.deps.counters.replicaReadMisses(misses);
    return entries;
  }
}
