import { type Entry, entryBytes } from '../store/entry.js';
import type { Clock } from '../time/clock.js';
import { compareVersioned } from '../versioning/order.js';
import type { HintDropReason, HintSource } from '../metrics/core-counters.js';
import type { HintObserver, HintSink } from './hint-sink.js';

export interface HintLimits {
  ttlMs: number;
  maxPerNode: number;
  maxBytes: number;
}

/** One undelivered entry for one target (docs/cluster.md §8.2). */
export interface Hint {
  target: string;
  entry: Entry;
  source: HintSource;
  queuedAt: number;
  expiresAt: number;
  /** key bytes + value bytes */
  size: number;
}

const slot = (target: string, key: string) => `${target}\u0000${key}`;

/**
 * The in-memory hint queues (docs/cluster.md §8.2): FIFO per target, one hint per (target, key) with the
 * newest entry kept, a per-target count cap and a global byte cap, both dropping the oldest.
 * Pure bookkeeping: delivery belongs to `HintReplayer`.
 */
export class HintQueue implements HintSink {
  /** Every hint in global queue order (oldest first): what the byte cap drops from. */
  private readonly all = new Map<string, Hint>();
  /** Per target, key → hint in FIFO order. */
  private readonly byTarget = new Map<string, Map<string, Hint>>();
  /** Per source, the hints in queue order (oldest first): the age of the oldest one is a gauge. */
  private readonly bySource: Record<HintSource, Map<string, Hint>> = { replication: new Map(), migration: new Map(), handoff: new Map() };
  private bytes = 0;

  constructor(
    private readonly limits: HintLimits,
    private readonly clock: Clock,
    private readonly counters: HintObserver,
  ) {}

  get pending(): number {
    return this.all.size;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  /** When the oldest pending hint of `source` was queued (epoch ms), or undefined when none is. */
  oldestQueuedAt(source: HintSource): number | undefined {
    return this.bySource[source].values().next().value?.queuedAt;
  }

  /** Targets with queued hints. */
  targets(): string[] {
    return [...this.byTarget.keys()];
  }

  /** The target's hints in FIFO order (a snapshot). */
  hintsFor(target: string): Hint[] {
    return [...(this.byTarget.get(target)?.values() ?? [])];
  }

  enqueue(target: string, entry: Entry, source: HintSource): void {
    const now = this.clock.now();
    const queue = this.byTarget.get(target);
    const queued = queue?.get(entry.key);
    if (queued) {
      // One hint per (target, key): a newer entry replaces the queued one, anything else is dropped.
      if (compareVersioned(entry, queued.entry) <= 0) return;
      this.unlink(queued);
    }
    const size = entryBytes(entry);
    if (size > this.limits.maxBytes) {
      this.counters.hintDropped(source, 'bytes_cap');
      return;
    }
    const hint: Hint = { target, entry, source, queuedAt: now, expiresAt: now + this.limits.ttlMs, size };
    const own = this.byTarget.get(target) ?? new Map<string, Hint>();
    this.byTarget.set(target, own);
    while (own.size >= this.limits.maxPerNode) this.drop(own.values().next().value!, 'per_node_cap');
    while (this.bytes + size > this.limits.maxBytes) this.drop(this.all.values().next().value!, 'bytes_cap');
    own.set(entry.key, hint);
    this.all.set(slot(target, entry.key), hint);
    this.bySource[source].set(slot(target, entry.key), hint);
    this.bytes += size;
    this.counters.hintQueued(source);
    this.refreshGauges();
  }

  /** Delivered (a stale answer included). A hint replaced while it was in flight stays queued. */
  delivered(hint: Hint): void {
    if (!this.isQueued(hint)) return;
    this.unlink(hint);
    this.counters.hintReplayed(hint.source);
    this.refreshGauges();
  }

  /** Drops every hint past its expiry. Returns the number dropped. */
  expire(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const hint of [...this.all.values()]) {
      if (hint.expiresAt > now) continue;
      this.unlink(hint);
      this.counters.hintExpired(hint.source);
      expired++;
    }
    if (expired > 0) this.refreshGauges();
    return expired;
  }

  /** Drops every hint of one target (`member_leaving`) or of all targets (`shutdown`). Returns the number dropped. */
  dropTarget(target: string, reason: HintDropReason): number {
    const hints = this.hintsFor(target);
    for (const h of hints) this.drop(h, reason);
    return hints.length;
  }

  dropAll(reason: HintDropReason): number {
    let dropped = 0;
    for (const target of this.targets()) dropped += this.dropTarget(target, reason);
    return dropped;
  }

  private isQueued(hint: Hint): boolean {
    return this.all.get(slot(hint.target, hint.entry.key)) === hint;
  }

  private drop(hint: Hint, reason: HintDropReason): void {
    this.unlink(hint);
    this.counters.hintDropped(hint.source, reason);
    this.refreshGauges();
  }

  private unlink(hint: Hint): void {
    this.all.delete(slot(hint.target, hint.entry.key));
    this.bySource[hint.source].delete(slot(hint.target, hint.entry.key));
    const own = this.byTarget.get(hint.target);
    own?.delete(hint.entry.key);
    if (own?.size === 0) this.byTarget.delete(hint.target);
    this.bytes -= hint.size;
  }

  private refreshGauges(): void {
    this.counters.hintsPending(this.all.size, this.bytes);
  }
}
