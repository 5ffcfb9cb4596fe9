import type { Consistency } from '../../config/config.types.js';
import type { StatsRecorder } from '../stats/stats-recorder.js';
import type { ApplySource, EvictionReason, ExpiryTrigger, StoreObserver } from '../store/store-events.js';
import { type DistMetrics, emptyDistMetrics } from './dist-metrics.js';

export type CacheOp = 'get' | 'put' | 'delete';
export type CacheOutcome =
  | 'hit' | 'miss' | 'ok' | 'precondition_failed' | 'quorum_not_met' | 'draining' | 'unavailable' | 'error';

/** Latency observations go to the metrics adapter (a histogram); counts stay here as plain numbers. */
export interface LatencySink {
  cacheOperation(op: CacheOp, consistency: Consistency, seconds: number): void;
  /** Outbound peer call latency, by peer `op` (docs/api.md §2.4). */
  peerRequest(op: string, seconds: number): void;
  /** One anti-entropy round, whatever its outcome. */
  merkleSync(seconds: number): void;
  /** One rebalance scan (only after a ring change). */
  rebalanceScan(seconds: number): void;
}

/** Where a hint comes from (docs/cluster.md §8.2): a failed replicate, a failed migration, a failed leave handoff. */
export type HintSource = 'replication' | 'migration' | 'handoff';

/** Why a hint left the queue without being delivered or expiring (docs/api.md §2.4). */
export type HintDropReason = 'per_node_cap' | 'bytes_cap' | 'member_leaving' | 'shutdown';

export type MerkleOutcome = 'clean' | 'repaired' | 'error';
export type MigrationKind = 'new_owner' | 'lost_ownership' | 'handoff';

export type ForwardOutcome = 'ok' | 'error';
export type PeerOutcome = 'ok' | 'error' | 'timeout';
export type TransitionState = 'alive' | 'suspect' | 'dead' | 'leaving';

/**
 * Every count the core keeps, as plain numbers read at scrape time (no per-request metric calls
 * beyond an increment). The Prometheus adapter and /dist/metrics both read from here.
 */
export class CoreCounters implements StoreObserver {
  readonly dist: DistMetrics = emptyDistMetrics();
  readonly cacheOps = new Map<string, number>();
  readonly evictions: Record<EvictionReason, number> = { capacity: 0, memory: 0 };
  readonly expirations: Record<ExpiryTrigger, number> = { sweep: 0, read: 0, manual: 0 };
  readonly staleApplies = new Map<ApplySource, number>();
  readonly appliesSkipped = new Map<ApplySource, number>();
  readonly replicationAcks = { put: 0, delete: 0 };
  readonly preconditionFailures = { put: 0, delete: 0 };
  readonly quorumFailures = { read: 0, write: 0 };
  readonly authFailures = new Map<string, number>();
  /** `op|outcome` of requests forwarded to another owner. */
  readonly forwards = new Map<string, number>();
  readonly replicationFailures = { put: 0, delete: 0 };
  readonly memberTransitions: Record<TransitionState, number> = { alive: 0, suspect: 0, dead: 0, leaving: 0 };
  /** `op|outcome` of outbound peer calls. */
  readonly peerRequests = new Map<string, number>();
  readonly hintsQueued: Record<HintSource, number> = { replication: 0, migration: 0, handoff: 0 };
  readonly hintsReplayed: Record<HintSource, number> = { replication: 0, migration: 0, handoff: 0 };
  readonly hintsExpired: Record<HintSource, number> = { replication: 0, migration: 0, handoff: 0 };
  readonly hintsDropped: Record<HintDropReason, number> = { per_node_cap: 0, bytes_cap: 0, member_leaving: 0, shutdown: 0 };
  readonly merkleSyncs: Record<MerkleOutcome, number> = { clean: 0, repaired: 0, error: 0 };
  readonly merkleKeysRepaired = { pulled: 0, pushed: 0 };
  /** Anti-entropy rounds left out because this node or the peer was still rebalancing (docs/cluster.md §8.3). */
  merkleDeferred = 0;
  readonly rebalanceMigrations: Record<MigrationKind, number> = { new_owner: 0, lost_ownership: 0, handoff: 0 };
  rebalanceScans = 0;
  readRepairs = 0;
  tombstonesPurged = 0;
  latency: LatencySink = { cacheOperation: () => {}, peerRequest: () => {}, merkleSync: () => {}, rebalanceScan: () => {} };

  constructor(private readonly stats: StatsRecorder) {}

  cacheOp(op: CacheOp, outcome: CacheOutcome): void {
    const k = `${op}|${outcome}`;
    this.cacheOps.set(k, (this.cacheOps.get(k) ?? 0) + 1);
  }

  forward(op: CacheOp, outcome: ForwardOutcome): void {
    const k = `${op}|${outcome}`;
    this.forwards.set(k, (this.forwards.get(k) ?? 0) + 1);
  }

  memberTransition(to: TransitionState): void {
    this.memberTransitions[to]++;
  }

  /** One outbound peer call (the PeerClient's observer). */
  peerRequest(op: string, outcome: PeerOutcome, seconds: number): void {
    const k = `${op}|${outcome}`;
    this.peerRequests.set(k, (this.peerRequests.get(k) ?? 0) + 1);
    this.latency.peerRequest(op, seconds);
  }

  /**
   * One anti-entropy round ended (docs/cluster.md §8): outcome, entries adopted/sent, duration, and for
   * an `error` round what went wrong (shown as `LastAutoSyncError` until a round succeeds).
   */
  merkleRound(outcome: MerkleOutcome, pulled: number, pushed: number, durationNs: number, error = ''): void {
    this.merkleSyncs[outcome]++;
    const d = this.dist;
    if (outcome === 'repaired') d.MerkleSyncs++;
    d.AutoSyncLoops++;
    if (outcome === 'clean') d.AutoSyncCleanTicks++;
    d.LastAutoSyncNanos = durationNs;
    d.LastAutoSyncError = outcome === 'error' ? error || 'anti-entropy round failed' : '';
    this.merkleKeysRepaired.pulled += pulled;
    this.merkleKeysRepaired.pushed += pushed;
    d.MerkleKeysPulled += pulled;
    d.MerkleKeysPushed += pushed;
    this.latency.merkleSync(durationNs / 1e9);
  }

  hintQueued(source: HintSource): void {
    this.hintsQueued[source]++;
    this.dist.HintedQueued++;
    if (source === 'migration') this.dist.MigrationHintQueued++;
  }

  hintReplayed(source: HintSource): void {
    this.hintsReplayed[source]++;
    this.dist.HintedReplayed++;
    if (source === 'migration') this.dist.MigrationHintReplayed++;
  }

  hintExpired(source: HintSource): void {
    this.hintsExpired[source]++;
    this.dist.HintedExpired++;
    if (source === 'migration') this.dist.MigrationHintExpired++;
  }

  hintDropped(source: HintSource, reason: HintDropReason): void {
    this.hintsDropped[reason]++;
    this.dist.HintedDropped++;
    if (reason === 'bytes_cap') this.dist.HintedGlobalDropped++;
    if (source === 'migration') this.dist.MigrationHintDropped++;
  }

  hintsPending(count: number, bytes: number): void {
    this.dist.HintedPending = count;
    this.dist.HintedBytes = bytes;
  }

  /**
   * One coalesced `replicate` message went out (CoalescingTransport) with `entries` entries: read
   * repairs that shared a message are `ReadRepairBatched`, and all but the first of them joined a
   * message already pending (`ReadRepairCoalesced`).
   */
  replicateMessage(source: ApplySource, entries: number): void {
    if (source !== 'repair' || entries < 2) return;
    this.dist.ReadRepairBatched += entries;
    this.dist.ReadRepairCoalesced += entries - 1;
  }

  /** Entries sent by rebalancing or leave handoff (docs/cluster.md §8.4, docs/lifecycle.md §3 step 4), one per (entry, target). */
  migrated(kind: MigrationKind, count: number): void {
    this.rebalanceMigrations[kind] += count;
    if (kind === 'handoff') {
      this.dist.HandoffKeys += count;
      return;
    }
    this.dist.RebalancedKeys += count;
    if (kind === 'lost_ownership') this.dist.RebalancedPrimary += count;
    else this.dist.RebalancedReplicaDiff += count;
  }

  /** A rebalance tick found the previous scan still running, so the scan waits for a later tick. */
  rebalanceScanPostponed(): void {
    this.dist.RebalanceThrottle++;
  }

  /** A migration batch waited for one of the in-flight slots (docs/cluster.md §8.1: at most 2). */
  rebalanceBatchPostponed(): void {
    this.dist.RebalanceReplicaDiffThrottle++;
  }

  /** Keys of an inbound `read` peer request for which this owner held no entry. */
  replicaReadMisses(count: number): void {
    this.dist.ReplicaGetMiss += count;
  }

  /** One rebalance scan ended (only after a ring change). */
  rebalanceScanned(durationNs: number): void {
    this.rebalanceScans++;
    this.dist.RebalanceLastNanos = durationNs;
    this.latency.rebalanceScan(durationNs / 1e9);
  }

  authFailure(listener: string, reason: 'unauthenticated' | 'forbidden'): void {
    const k = `${listener}|${reason}`;
    this.authFailures.set(k, (this.authFailures.get(k) ?? 0) + 1);
  }

  evicted(reason: EvictionReason): void {
    this.evictions[reason]++;
    this.dist.Evictions++;
    this.stats.record('item_evicted_count', 1);
  }

  evictionPass(evicted: number, durationNs: number, itemsAfter: number): void {
    this.stats.record('eviction_loop_count', 1);
    this.stats.record('eviction_loop_duration', durationNs);
    this.stats.record('evicted_item_count', evicted);
    this.stats.record('item_count', itemsAfter);
  }

  expired(trigger: ExpiryTrigger, count: number): void {
    this.expirations[trigger] += count;
    this.dist.Expirations += count;
    for (let i = 0; i < count; i++) this.stats.record('item_expired_count', 1);
  }

  expirySweep(removed: number, durationNs: number, itemsAfter: number): void {
    this.stats.record('expiration_loop_count', 1);
    this.stats.record('expiration_loop_duration', durationNs);
    this.stats.record('expired_item_count', removed);
    this.stats.record('item_count', itemsAfter);
  }

  purgedTombstones(count: number): void {
    this.tombstonesPurged += count;
    this.dist.TombstonesPurged += count;
  }

  staleApply(source: ApplySource): void {
    this.staleApplies.set(source, (this.staleApplies.get(source) ?? 0) + 1);
    this.dist.StaleApplies++;
  }

  applySkipped(source: ApplySource): void {
    this.appliesSkipped.set(source, (this.appliesSkipped.get(source) ?? 0) + 1);
    this.dist.AppliesSkipped++;
  }
}
