import { apiAdvertiseUrl } from '../config/api-advertise.js';
import type { Consistency, HypercacheConfig } from '../config/config.types.js';
import { CacheError } from './errors.js';
import { EventBus, type Listener } from './events.js';
import { HintQueue } from './hints/hint-queue.js';
import { HintReplayer } from './hints/hint-replayer.js';
import { type KeyListingTransport, listClusterKeys, noKeyListingTransport } from './key-listing/key-listing.js';
import { AntiEntropy, type AntiEntropyTransport, noAntiEntropyTransport } from './merkle/anti-entropy.js';
import type { MerkleRequest, MerkleResponse } from './merkle/merkle-wire.js';
import { Rebalancer } from './rebalance/rebalancer.js';
import { smallestKeys } from './keys/utf8-order.js';
import { type CacheOp, type CacheOutcome, CoreCounters, type LatencySink } from './metrics/core-counters.js';
import type { DistMetrics } from './metrics/dist-metrics.js';
import type { Effect } from './membership/effects.js';
import { MemberTable } from './membership/member-table.js';
import { Membership } from './membership/membership.js';
import { seedSpecsOf } from './membership/seed-spec.js';
import type { CacheNodeApi, NodeSnapshot } from './node-api.js';
import { type DeleteCommand, type ListKeysQuery, type ListKeysResult, NOT_LOCAL, type PutCommand, type WriteOutcome, type WriteResult } from './node.types.js';
import { ReplicationCoordinator } from './replication/coordinator.js';
import { batchByteBudget, peerMessageLimit } from './replication/message-limits.js';
import { ReplicaReceiver } from './replication/replica-receiver.js';
import { type ReplicationTransport, noPeersTransport } from './replication/transport.js';
import type { CoordinateRequest, ReplicateResult, ReplicateSource } from './replication/wire.js';
import { type Hash64, HashRing } from './ring/hash-ring.js';
import { type StatSummary, StatsRecorder } from './stats/stats-recorder.js';
import { type Entry, type ItemEntry, isVisible } from './store/entry.js';
import { LocalStore } from './store/local-store.js';
import type { Clock } from './time/clock.js';
import { PeriodicLoop } from './time/loop.js';
import { type Scheduler, systemScheduler } from './time/scheduler.js';
import type { Random } from './time/random.js';
import { HybridLogicalClock } from './versioning/hlc.js';

/** Fixed constants of docs/configuration.md §6. */
export const EXPIRY_INTERVAL_MS = 100;
export const EXPIRY_SAMPLE = 20;
export const EXPIRY_BUDGET_MS = 25;
export const TOMBSTONE_PURGE_INTERVAL_MS = 10_000;

export interface NodeDeps {
  config: HypercacheConfig;
  clock: Clock;
  random: Random;
  hash: Hash64;
  /** Timers, deadlines and deferred work; the system scheduler when absent. */
  scheduler?: Scheduler;
  /** Errors inside a background iteration; the loop goes on. */
  onLoopError?: (loop: string, err: unknown) => void;
  /** A received version far ahead of local wall time (WARN `clock skew detected`, rate-limited by the caller). */
  onClockSkew?: (aheadMs: number) => void;
  /**
   * Effects of the membership calls the node makes itself (drain announces the leave). The
   * membership driver, which owns every other tick and the peer I/O, executes them.
   */
  onMembershipEffects?: (effects: Effect[]) => void;
}

/**
 * One hypercache node: the entry-node API the client listener calls, the receiving side of the
 * peer operations, the admin actions and the read model (`CacheNodeApi`, the `NODE` seam).
 * Everything outside the core calls these methods, never the sub-objects below (docs/architecture.md
 * "The core facade"); the sub-objects stay visible to core tests and to the composition root,
 * which wires the counters and the SWIM machine to their adapters.
 * Single-node mode is a one-member ring; the cluster plugs in behind `coordinate` and `get`.
 */
export class CacheNode implements CacheNodeApi {
  readonly nodeId: string;
  readonly events = new EventBus();
  readonly stats = new StatsRecorder();
  readonly counters = new CoreCounters(this.stats);
  readonly store: LocalStore;
  readonly hlc: HybridLogicalClock;
  readonly members: MemberTable;
  /** SWIM over `members` (docs/cluster.md §2), pure: the membership driver ticks it and carries its messages. */
  readonly membership: Membership;
  private ringCache: HashRing;
  private ringVersion: number;
  private draining = false;
  private readonly loops: PeriodicLoop[];
  private readonly scheduler: Scheduler;
  private pendingEvict?: Promise<number>;
  private pendingExpire?: Promise<number>;
  /** The leave handoff (docs/lifecycle.md §3 step 4), started by the first drain. */
  private handoffRun: Promise<number> = Promise.resolve(0);
  private transport: ReplicationTransport = noPeersTransport;
  private keyListing: KeyListingTransport = noKeyListingTransport;
  private merkleTransport: AntiEntropyTransport = noAntiEntropyTransport;
  /** Write and read paths across the owners (docs/cluster.md §4–§7). */
  private readonly replication: ReplicationCoordinator;
  /** The receiving side of `replicate` and `read`. */
  private readonly receiver: ReplicaReceiver;
  /** Undelivered entries per target (docs/cluster.md §8.2), replayed every HINT_REPLAY. */
  readonly hints: HintQueue;
  readonly hintReplayer: HintReplayer;
  /** Data follows ownership when the ring changes (docs/cluster.md §8.4), and the leave handoff (docs/lifecycle.md §3 step 4). */
  readonly rebalancer: Rebalancer;
  /** Merkle anti-entropy (docs/cluster.md §8.3): `round()` per MERKLE_INTERVAL, `answer()` serves the `merkle` peer op. */
  private readonly antiEntropy: AntiEntropy;

  constructor(private readonly deps: NodeDeps) {
    const { config, clock } = deps;
    this.scheduler = deps.scheduler ?? systemScheduler;
    const { scheduler } = this;
    this.nodeId = config.nodeId;
    this.store = new LocalStore(
      { capacity: config.capacity, maxMemory: config.maxMemory, eviction: config.eviction, tombstoneTtlMs: config.tombstoneTtlMs },
      clock,
      this.counters,
    );
    this.hlc = new HybridLogicalClock(clock, deps.onClockSkew);
    this.members = new MemberTable(config.nodeId, config.advertiseAddr, this.events, apiAdvertiseUrl(config));
    this.membership = new Membership({
      table: this.members,
      config: { heartbeatMs: config.heartbeatMs, indirectProbeK: config.indirectProbeK, gossipIntervalMs: config.gossipIntervalMs },
      seeds: seedSpecsOf(config.seeds),
      random: deps.random,
      counters: this.counters.dist,
      onTransition: (to) => this.counters.memberTransition(to),
    });
    this.ringCache = this.buildRing();
    this.ringVersion = this.members.membershipVersion;
    this.hints = new HintQueue(
      { ttlMs: config.hintTtlMs, maxPerNode: config.hintMaxPerNode, maxBytes: config.hintMaxBytes },
      clock,
      this.counters,
    );
    this.hintReplayer = new HintReplayer({
      queue: this.hints,
      members: this.members,
      transport: () => this.transport,
      maxBatchBytes: batchByteBudget(config.maxValueBytes),
      scheduler,
    });
    this.replication = new ReplicationCoordinator({
      nodeId: this.nodeId,
      replication: config.replication,
      members: this.members,
      owners: (key) => this.owners(key),
      store: this.store,
      hlc: this.hlc,
      counters: this.counters,
      clock,
      scheduler,
      maxBatchBytes: batchByteBudget(config.maxValueBytes),
      isDraining: () => this.draining,
      transport: () => this.transport,
      onReplicaFailed: (target, entry) => this.hints.enqueue(target, entry, 'replication'),
    });
    this.antiEntropy = new AntiEntropy({
      nodeId: this.nodeId,
      replicationFactor: config.replication,
      ring: () => this.ring,
      members: this.members,
      store: this.store,
      hlc: this.hlc,
      hash: deps.hash,
      counters: this.counters,
      clock,
      scheduler,
      random: deps.random,
      isDraining: () => this.draining,
      maxMessageBytes: peerMessageLimit(config.maxValueBytes),
      transport: () => this.merkleTransport,
      replication: () => this.transport,
      rebalanced: () => this.rebalancer.settled,
    });
    const onError = deps.onLoopError ?? (() => {});
    this.rebalancer = new Rebalancer({
      nodeId: this.nodeId,
      replication: config.replication,
      ring: () => this.ring,
      ringOf: (members) => new HashRing(members, config.vnodes, deps.hash),
      members: this.members,
      store: this.store,
      transport: () => this.transport,
      maxBatchBytes: batchByteBudget(config.maxValueBytes),
      hints: this.hints,
      counters: this.counters,
      clock,
      scheduler,
      isDraining: () => this.draining,
      onError: (err) => onError('rebalance', err),
    });
    this.receiver = new ReplicaReceiver({
      store: this.store,
      hlc: this.hlc,
      counters: this.counters,
      noteReceived: (key) => this.rebalancer.noteReceived(key),
    });
    this.loops = [
      new PeriodicLoop('expiry', EXPIRY_INTERVAL_MS, () => void this.store.sweepExpired(EXPIRY_SAMPLE, EXPIRY_BUDGET_MS, deps.random), onError, scheduler),
      new PeriodicLoop('tombstone-purge', TOMBSTONE_PURGE_INTERVAL_MS, () => void this.store.purgeTombstones(), onError, scheduler),
      // Not awaited: a target whose delivery is still in flight must not hold the next tick (hint-replayer.ts).
      new PeriodicLoop('hint-replay', config.hintReplayMs, () => void this.hintReplayer.tick().catch((err: unknown) => onError('hint-replay', err)), onError, scheduler),
      new PeriodicLoop('rebalance', config.rebalanceIntervalMs, () => this.rebalancer.tick(), onError, scheduler, () => this.counters.rebalanceScanPostponed()),
      // MERKLE_INTERVAL 0 turns anti-entropy off (docs/cluster.md §8.3).
      ...(config.merkleIntervalMs > 0
        ? [new PeriodicLoop('anti-entropy', config.merkleIntervalMs, async () => void (await this.antiEntropy.round()), onError, scheduler)]
        : []),
    ];
  }

  start(): void {
    for (const l of this.loops) l.start();
  }

  stop(): void {
    for (const l of this.loops) l.stop();
  }

  isDraining(): boolean {
    return this.draining;
  }

  /** Joined (docs/lifecycle.md §2), as the membership decides it: no seeds, a peer exchange, or the join grace. */
  isJoined(): boolean {
    return this.membership.isJoined();
  }

  /** The current ring, rebuilt only when the membership version moved and the ring members changed. */
  get ring(): HashRing {
    if (this.ringVersion !== this.members.membershipVersion) {
      this.ringVersion = this.members.membershipVersion;
      const next = this.buildRing();
      if (!next.sameAs(this.ringCache)) this.ringCache = next;
    }
    return this.ringCache;
  }

  owners(key: string): string[] {
    return this.ring.owners(key, this.deps.config.replication);
  }

  /** Plugs the peer transport in (cluster mode); single-node mode keeps the no-peer one. */
  useTransport(transport: ReplicationTransport): void {
    this.transport = transport;
  }

  /** Plugs the `merkle` peer op in (cluster mode): anti-entropy rounds then reach their peer. */
  useAntiEntropy(transport: AntiEntropyTransport): void {
    this.merkleTransport = transport;
  }

  /** Plugs the `list_keys` peer op in (cluster mode): the key browser then fans out. */
  useKeyListing(transport: KeyListingTransport): void {
    this.keyListing = transport;
  }

  async put(cmd: PutCommand): Promise<WriteOutcome> {
    return this.timed('put', cmd.consistency, () => this.replication.write(putRequest(cmd)));
  }

  async delete(cmd: DeleteCommand): Promise<WriteOutcome> {
    return this.timed('delete', cmd.consistency, () => this.replication.write(deleteRequest(cmd)));
  }

  /**
   * `put` applied and answered synchronously when no peer takes part (this node is the key's only
   * owner: a single node, or RF 1), with the same counters; throws what `put` would reject with.
   * `NOT_LOCAL`, having done nothing, when another owner is involved (the caller takes `put`).
   */
  putLocal(cmd: PutCommand): WriteOutcome | typeof NOT_LOCAL {
    return this.timedAlone('put', putRequest(cmd));
  }

  /** `delete` answered synchronously when no peer takes part, like `putLocal`. */
  deleteLocal(cmd: DeleteCommand): WriteOutcome | typeof NOT_LOCAL {
    return this.timedAlone('delete', deleteRequest(cmd));
  }

  /** Batch put (docs/cluster.md §4.1): one result per command, in order; each is counted as a `put`. */
  putMany(cmds: readonly PutCommand[]): Promise<WriteResult[]> {
    return this.timedMany('put', cmds.map((cmd) => ({
      op: 'put', key: cmd.key, value: cmd.value, ttlMs: cmd.ttlMs, consistency: cmd.consistency,
      ...(cmd.preconditions ? { preconditions: cmd.preconditions } : {}),
    })));
  }

  /** Batch delete (docs/cluster.md §4.1): one result per command, in order; each is counted as a `delete`. */
  deleteMany(cmds: readonly DeleteCommand[]): Promise<WriteResult[]> {
    return this.timedMany('delete', cmds.map((cmd) => ({
      op: 'delete', key: cmd.key, ttlMs: 0, consistency: cmd.consistency,
      ...(cmd.preconditions ? { preconditions: cmd.preconditions } : {}),
    })));
  }

  /** A write forwarded by an entry node (`coordinate` peer op): this node coordinates it (docs/cluster.md §4 steps 3–5). */
  coordinateForwarded(req: CoordinateRequest): Promise<WriteOutcome> {
    return this.replication.coordinate(req);
  }

  /** A `coordinate` call carrying several operations: coordinated here in one pass, one result per operation. */
  coordinateForwardedMany(reqs: readonly CoordinateRequest[]): Promise<WriteResult[]> {
    return this.replication.coordinateMany(reqs);
  }

  /** The `replicate` peer op: apply-if-newer (replication/replica-receiver.ts). */
  applyReplicated(source: ReplicateSource, entries: readonly Entry[]): ReplicateResult[] {
    if (source === 'migration') this.rebalancer.noteMigratedIn();
    return this.receiver.apply(source, entries);
  }

  /** The `read` peer op: this owner's entry per key, undefined when it holds none. */
  readReplicas(keys: readonly string[]): (Entry | undefined)[] {
    return this.receiver.read(keys);
  }

  /** The `merkle` peer op (docs/cluster.md §8.3). */
  answerMerkle(req: MerkleRequest): Promise<MerkleResponse> {
    return this.antiEntropy.answer(req);
  }

  /**
   * A read this node answers from its own copy, synchronously: the visible item or undefined, with
   * the same counters as `get`; `NOT_LOCAL` when the read needs peers (docs/cluster.md §5: at ONE
   * when this node is not an owner, at QUORUM/ALL whenever the ring is not empty).
   */
  getLocal(key: string, consistency: Consistency): ItemEntry | undefined | typeof NOT_LOCAL {
    const owners = this.owners(key);
    if (owners.length !== 0 && (consistency !== 'one' || !owners.includes(this.nodeId))) return NOT_LOCAL;
    const start = this.deps.clock.hrtimeNs();
    const item = this.store.read(key);
    this.counters.cacheOp('get', item ? 'hit' : 'miss');
    this.counters.latency.cacheOperation('get', consistency, Number(this.deps.clock.hrtimeNs() - start) / 1e9);
    return item;
  }

  async get(key: string, consistency: Consistency): Promise<ItemEntry | undefined> {
    const local = this.getLocal(key, consistency);
    if (local !== NOT_LOCAL) return local;
    const start = this.deps.clock.hrtimeNs();
    let outcome: CacheOutcome = 'error';
    try {
      const read = await this.replication.read(key, consistency);
      let item: ItemEntry | undefined;
      if (read.local) item = this.store.read(key);
      else if (read.entry?.kind === 'item' && isVisible(read.entry, this.deps.clock.now())) item = read.entry;
      outcome = item ? 'hit' : 'miss';
      return item;
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      this.counters.cacheOp('get', outcome);
      this.counters.latency.cacheOperation('get', consistency, Number(this.deps.clock.hrtimeNs() - start) / 1e9);
    }
  }

  /** The cluster-wide key browser (docs/api.md §1.12): fan-out to every `alive` member, self read locally. */
  async listKeys(q: ListKeysQuery): Promise<ListKeysResult> {
    return listClusterKeys(
      { nodeId: this.nodeId, members: this.members, local: (max) => this.listLocalKeys(q.match, max), transport: () => this.keyListing },
      q.pattern,
      q.max,
    );
  }

  /** This node's `max` smallest matching live keys (the `list_keys` peer op answers the same). */
  listLocalKeys(match: (key: string) => boolean, max: number): { keys: string[]; more: boolean } {
    const matched: string[] = [];
    for (const key of this.store.visibleKeys()) if (match(key)) matched.push(key);
    return smallestKeys(matched, max);
  }

  /**
   * Enter draining (docs/lifecycle.md §4, docs/cluster.md §2 graceful leave): one-way; self becomes `leaving`, leaves the
   * ring, and the record is pushed to every `alive`/`suspect` peer at once.
   */
  drain(): boolean {
    if (this.draining) return false;
    this.draining = true;
    this.counters.dist.Drains = 1;
    const announce = this.membership.leave();
    this.deps.onMembershipEffects?.(announce);
    this.events.publish({ type: 'draining', node: this.nodeId });
    this.handoffRun = this.rebalancer.handoff();
    return true;
  }

  /** Settles when the handoff started by `drain` has sent every entry (failed sends are hints by then). */
  handoffDone(): Promise<number> {
    return this.handoffRun;
  }

  /** POST /clear: local items only; tombstones and hints stay. */
  clear(): number {
    return this.store.clearItems();
  }

  /** POST /evict: one eviction pass, coalesced while one is pending. */
  scheduleEviction(): Promise<number> {
    this.pendingEvict ??= new Promise<number>((resolve) =>
      this.scheduler.defer(() => {
        this.pendingEvict = undefined;
        resolve(this.store.enforceCaps());
      }),
    );
    return this.pendingEvict;
  }

  /** POST /trigger-expiration: one full sweep, coalesced while one is pending. Returns whether it was coalesced. */
  scheduleExpiration(): boolean {
    if (this.pendingExpire) {
      this.stats.record('expiration_trigger_coalesced', 1);
      return true;
    }
    this.pendingExpire = new Promise<number>((resolve) =>
      this.scheduler.defer(() => {
        this.pendingExpire = undefined;
        resolve(this.store.expireAll());
      }),
    );
    return false;
  }

  /** Cluster events (SSE `/cluster/events`); returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    return this.events.subscribe(listener);
  }

  countAuthFailure(listener: string, reason: 'unauthenticated' | 'forbidden'): void {
    this.counters.authFailure(listener, reason);
  }

  useLatencySink(sink: LatencySink): void {
    this.counters.latency = sink;
  }

  /** Shutdown step 5: replays the queued hints to alive targets until `deadline`; returns the hints dropped. */
  flushHints(deadline: number, now: () => number): Promise<number> {
    return this.hintReplayer.flush(deadline, now);
  }

  /** Shutdown past its deadline: every queued hint is dropped; returns how many. */
  dropHints(): number {
    return this.hints.dropAll('shutdown');
  }

  /** The read model of the metrics and the admin views; built on demand, never on the request path. */
  snapshot(): NodeSnapshot {
    const byState = this.members.countByState();
    return {
      nodeId: this.nodeId,
      draining: this.draining,
      joined: this.isJoined(),
      items: this.store.items,
      bytes: this.store.bytes,
      tombstones: this.store.tombstoneCount,
      membershipVersion: this.members.membershipVersion,
      membersByState: byState,
      ringMembers: this.members.ringMembers().length,
      members: this.members.list(),
      sseSubscribers: this.events.subscribers,
      dist: this.distMetrics(),
      counters: this.counters,
    };
  }

  ringVnodes(): string[] {
    return this.ring.describe();
  }

  statsSummary(): Record<string, StatSummary> {
    return this.stats.snapshot();
  }

  /** /dist/metrics: counters plus the gauges read now. */
  distMetrics(): DistMetrics {
    const d = this.counters.dist;
    const byState = this.members.countByState();
    d.ItemsLocal = this.store.items;
    d.BytesLocal = this.store.bytes;
    d.TombstonesActive = this.store.tombstoneCount;
    d.MembershipVersion = this.members.membershipVersion;
    d.MembersAlive = byState.alive;
    d.MembersSuspect = byState.suspect;
    d.MembersDead = byState.dead;
    d.MembersLeaving = byState.leaving;
    const oldestMigrationHint = this.hints.oldestQueuedAt('migration');
    d.MigrationHintLastAgeNanos = oldestMigrationHint === undefined ? 0 : Math.max(0, this.deps.clock.now() - oldestMigrationHint) * 1e6;
    return { ...d };
  }

  private timed(op: CacheOp, consistency: Consistency, fn: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    const start = this.deps.clock.hrtimeNs();
    return fn().then(
      (result) => {
        this.countWrite(op, consistency, 'ok', start);
        return result;
      },
      (err: unknown) => {
        this.countWrite(op, consistency, outcomeOf(err), start);
        throw err;
      },
    );
  }

  /** `timed` for a write no peer takes part in (`ReplicationCoordinator.writeAlone`), synchronously. */
  private timedAlone(op: CacheOp, req: CoordinateRequest): WriteOutcome | typeof NOT_LOCAL {
    const ring = this.ring;
    const rf = this.deps.config.replication;
    // With RF ≥ 2 on ≥ 2 members every key has ≥ 2 owners: a cluster write pays no ring lookup here.
    if (Math.min(rf, ring.members.length) !== 1) return NOT_LOCAL;
    const owners = ring.owners(req.key, rf);
    if (owners[0] !== this.nodeId) return NOT_LOCAL;
    const start = this.deps.clock.hrtimeNs();
    let outcome: CacheOutcome = 'error';
    try {
      const result = this.replication.writeAlone(req, owners)!;
      outcome = 'ok';
      return result;
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      this.countWrite(op, req.consistency, outcome, start);
    }
  }

  private countWrite(op: CacheOp, consistency: Consistency, outcome: CacheOutcome, start: bigint): void {
    this.counters.cacheOp(op, outcome);
    this.counters.latency.cacheOperation(op, consistency, Number(this.deps.clock.hrtimeNs() - start) / 1e9);
  }

  /** `timed` for the writes of a batch: each is counted and timed as one operation (the batch's duration). */
  private async timedMany(op: CacheOp, reqs: CoordinateRequest[]): Promise<WriteResult[]> {
    const start = this.deps.clock.hrtimeNs();
    const results = await this.replication.writeMany(reqs);
    const seconds = Number(this.deps.clock.hrtimeNs() - start) / 1e9;
    results.forEach((r, i) => {
      this.counters.cacheOp(op, r instanceof Error ? outcomeOf(r) : 'ok');
      this.counters.latency.cacheOperation(op, reqs[i]!.consistency, seconds);
    });
    return results;
  }

  private buildRing(): HashRing {
    return new HashRing(this.members.ringMembers(), this.deps.config.vnodes, this.deps.hash);
  }
}

function putRequest(cmd: PutCommand): CoordinateRequest {
  return {
    op: 'put', key: cmd.key, value: cmd.value, ttlMs: cmd.ttlMs, consistency: cmd.consistency,
    ...(cmd.preconditions ? { preconditions: cmd.preconditions } : {}),
  };
}

function deleteRequest(cmd: DeleteCommand): CoordinateRequest {
  return {
    op: 'delete', key: cmd.key, ttlMs: 0, consistency: cmd.consistency,
    ...(cmd.preconditions ? { preconditions: cmd.preconditions } : {}),
  };
}

function outcomeOf(err: unknown): CacheOutcome {
  if (!(err instanceof CacheError)) return 'error';
  switch (err.code) {
    case 'PRECONDITION_FAILED': return 'precondition_failed';
    case 'QUORUM_NOT_MET': return 'quorum_not_met';
    case 'DRAINING': return 'draining';
    case 'UNAVAILABLE': return 'unavailable';
    default: return 'error';
  }
}
