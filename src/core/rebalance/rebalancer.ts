import type { HintSink } from '../hints/hint-sink.js';
import type { MemberTable } from '../membership/member-table.js';
import type { CoreCounters } from '../metrics/core-counters.js';
import type { ReplicationTransport } from '../replication/transport.js';
import type { HashRing } from '../ring/hash-ring.js';
import { type Entry, isVisible } from '../store/entry.js';
import type { LocalStore } from '../store/local-store.js';
import type { Clock } from '../time/clock.js';
import { BatchSender } from './batch-sender.js';
import { yieldToLoop } from '../time/deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import { LostCopies } from './lost-copies.js';
import { handoffTargets, plan, takeover } from './plan.js';

/** docs/cluster.md §8.4, docs/configuration.md §6: a copy this node no longer owns is dropped this long after it was sent away. */
export const LOST_COPY_GRACE_MS = 30_000;
/**
 * A node still receives migrated entries when it received some this recently: anti-entropy waits
 * for the migration to go quiet (docs/cluster.md §8.3), so the two do not send the same keys.
 */
export const MIGRATION_QUIET_MS = 1000;
/** Entries handled between two yields to the event loop during a scan. */
export const SCAN_CHUNK = 1000;

export interface RebalancerDeps {
  nodeId: string;
  replication: number;
  /** The current ring (self excluded while self is leaving). */
  ring(): HashRing;
  /** A ring over these member IDs, with the same virtual nodes and hash. */
  ringOf(members: readonly string[]): HashRing;
  members: MemberTable;
  store: LocalStore;
  transport(): ReplicationTransport;
  /** Key + value bytes per migration batch (the peer message limit, docs/peer-protocol.md §4). */
  maxBatchBytes: number;
  hints: HintSink;
  counters: CoreCounters;
  clock: Clock;
  scheduler: Scheduler;
  isDraining(): boolean;
  /** An unexpected error inside a tick (the tick itself never throws). */
  onError?: (err: unknown) => void;
}

/**
 * Rebalancing (docs/cluster.md §8.4) and the leave handoff (docs/lifecycle.md §3 step 4). `tick` runs every
 * REBALANCE_INTERVAL: it drops lost copies whose grace is over, then scans the store only when the
 * ring differs from the ring of the last completed scan (or forwards the few misplaced keys
 * `noteReceived` reported). Migrated entries are counted when the receiver acknowledged them
 * (applied or stale), one per (entry, target); failed sends become hints and are not counted here.
 *
 * Each (key, new owner) is sent by one node only: the first old owner still on the ring (plan.ts),
 * so a join moves each key once instead of once per old owner. When that sender leaves the ring
 * during the next change, the next old owner sends what the sender was to send (`takeover`).
 */
export class Rebalancer {
  private scanned: HashRing;
  /** The ring before `scanned`, for the takeover when the sender of that change has left since. */
  private beforeScanned?: HashRing;
  private readonly misplaced = new Set<string>();
  private readonly lost = new LostCopies();
  private running = false;
  /** When this node last applied entries another node migrated to it (clock ms). */
  private migratedInAt = -Infinity;

  constructor(private readonly deps: RebalancerDeps) {
    this.scanned = deps.ring();
  }

  /** Copies waiting for their drop (introspection and tests). */
  get pendingDrops(): number {
    return this.lost.size;
  }

  /**
   * Whether rebalancing is done here for the current ring: the last completed scan covers it (so
   * every key this node was to send has been sent) and no migrated entry arrived within
   * MIGRATION_QUIET_MS. Anti-entropy rounds wait for it on both sides (docs/cluster.md §8.3).
   */
  get settled(): boolean {
    return this.deps.ring().sameAs(this.scanned) && this.deps.clock.now() - this.migratedInAt >= MIGRATION_QUIET_MS;
  }

  /** Entries migrated by another node were applied here. */
  noteMigratedIn(): void {
    this.migratedInAt = this.deps.clock.now();
  }

  async tick(): Promise<void> {
    if (this.running || this.deps.isDraining()) return;
    this.running = true;
    try {
      await this.dropDue();
      const ring = this.deps.ring();
      if (!ring.sameAs(this.scanned)) await this.scan(this.scanned, ring);
      else if (this.misplaced.size > 0) await this.moveMisplaced(ring);
    } catch (err) {
      this.deps.onError?.(err);
    } finally {
      this.running = false;
    }
  }

  noteReceived(key: string): void {
    if (this.deps.isDraining()) return;
    if (!this.ownedOn(this.deps.ring(), key)) this.misplaced.add(key);
  }

  async handoff(): Promise<number> {
    const { nodeId, replication } = this.deps;
    const others = this.deps.ring().members.filter((id) => id !== nodeId);
    if (others.length === 0) return 0;
    const withSelf = this.deps.ringOf([...others, nodeId]);
    const without = this.deps.ringOf(others);
    const sender = this.sender('handoff');
    let seen = 0;
    for (const entry of this.deps.store.allEntries()) {
      if (++seen % SCAN_CHUNK === 0) await yieldToLoop(this.deps.scheduler);
      if (!this.isCurrent(entry)) continue;
      const targets = handoffTargets(withSelf.owners(entry.key, replication), without.owners(entry.key, replication));
      for (const target of targets) {
        const full = sender.add(target, entry, 'handoff');
        if (full) await full;
      }
    }
    await sender.flush();
    return sender.delivered;
  }

  /** One full pass over the local entries after a ring change; `scanned` moves on only once it completed. */
  private async scan(old: HashRing, ring: HashRing): Promise<void> {
    const { nodeId, replication, clock } = this.deps;
    const start = clock.hrtimeNs();
    this.misplaced.clear();
    const sender = this.sender('migration');
    // This node is running, so it counts itself as on the ring when it picks the sender.
    const onRing = memberOf(ring, nodeId);
    const wasOnOld = memberOf(old);
    // Takeover only when a member left the ring since the previous change was planned.
    const prev = this.beforeScanned && old.members.some((id) => !onRing(id)) ? this.beforeScanned : undefined;
    // The decision is taken on the key alone, before the store builds an entry (with a copy of its
    // value): most keys need nothing from this node (another node sends them, or nothing changed).
    let move: ReturnType<typeof plan>;
    let late: string[] = [];
    const decide = (key: string): boolean => {
      const ownersOld = old.ownersView(key, replication);
      const ownersNew = ring.ownersView(key, replication);
      // A copy lost in an earlier change and waiting for its drop was handed over then: not a stray to send again.
      const handedOver = this.lost.has(key) && !ownersOld.includes(nodeId);
      move = handedOver ? undefined : plan(ownersOld, ownersNew, nodeId, onRing);
      late = prev ? takeover(prev.ownersView(key, replication), ownersOld, ownersNew, nodeId, wasOnOld, onRing) : [];
      return move !== undefined || late.length > 0;
    };
    for (let from = 0; from < this.deps.store.slotBound; from += SCAN_CHUNK) {
      if (from > 0) await yieldToLoop(this.deps.scheduler);
      for (const entry of this.deps.store.entriesWhere(decide, from, from + SCAN_CHUNK)) {
        // entriesWhere yields an entry right after its key passed `decide`: move and late are its own.
        if (!this.isCurrent(entry)) continue;
        const m = move;
        const l = late;
        if (m?.kind === 'lost_ownership') this.lost.schedule(entry.key, clock.now() + LOST_COPY_GRACE_MS);
        for (const target of m?.targets ?? []) {
          const full = sender.add(target, entry, m!.kind);
          if (full) await full;
        }
        for (const target of l) {
          const full = sender.add(target, entry, 'new_owner');
          if (full) await full;
        }
      }
    }
    await sender.flush();
    this.beforeScanned = old;
    this.scanned = ring;
    this.deps.counters.rebalanceScanned(Number(clock.hrtimeNs() - start));
  }

  /** Keys received for which this node is no owner, with an unchanged ring: lost ownership (docs/cluster.md §8.4). */
  private async moveMisplaced(ring: HashRing): Promise<void> {
    const keys = [...this.misplaced];
    this.misplaced.clear();
    const sender = this.sender('migration');
    for (const key of keys) {
      const entry = this.deps.store.peek(key);
      if (!entry || !this.isCurrent(entry) || this.ownedOn(ring, key)) continue;
      this.lost.schedule(key, this.deps.clock.now() + LOST_COPY_GRACE_MS);
      for (const target of ring.owners(key, this.deps.replication)) await sender.add(target, entry, 'lost_ownership');
    }
    await sender.flush();
  }

  /** Drops the copies whose grace is over, unless this node owns them again on the ring current now. The drop is local. */
  private async dropDue(): Promise<void> {
    let seen = 0;
    for (const key of this.lost.takeDue(this.deps.clock.now())) {
      if (++seen % SCAN_CHUNK === 0) await yieldToLoop(this.deps.scheduler);
      if (!this.ownedOn(this.deps.ring(), key)) this.deps.store.discard(key);
    }
  }

  private sender(source: 'migration' | 'handoff'): BatchSender {
    const { counters } = this.deps;
    return new BatchSender({
      members: this.deps.members,
      transport: () => this.deps.transport(),
      hints: this.deps.hints,
      maxBatchBytes: this.deps.maxBatchBytes,
      scheduler: this.deps.scheduler,
      source,
      onBatch: () => {
        if (source === 'migration') counters.dist.RebalanceBatches++;
      },
      onPostponed: () => {
        if (source === 'migration') counters.rebalanceBatchPostponed();
      },
      onDelivered: (kind, count) => counters.migrated(kind, count),
    });
  }

  private ownedOn(ring: HashRing, key: string): boolean {
    return ring.ownersView(key, this.deps.replication).includes(this.deps.nodeId);
  }

  /** Visible items and live tombstones move; expired items are left to the expiry sweep. */
  private isCurrent(entry: Entry): boolean {
    return entry.kind === 'tombstone' || isVisible(entry, this.deps.clock.now());
  }
}

function memberOf(ring: HashRing, self?: string): (id: string) => boolean {
  const members = new Set(ring.members);
  if (self !== undefined) members.add(self);
  return (id) => members.has(id);
}
