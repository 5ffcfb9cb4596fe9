import type { MemberTable } from '../membership/member-table.js';
import type { ReplicationTransport } from '../replication/transport.js';
import { withDeadline } from '../replication/call-deadline.js';
import { pause } from '../time/deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import type { Hint, HintQueue } from './hint-queue.js';

/** Hints per `replicate` call; a batch also stays under the peer message limit. */
export const HINT_BATCH_ENTRIES = 128;
export const HINT_REPLAY_TIMEOUT_MS = 2000;

export interface HintReplayerDeps {
  queue: HintQueue;
  members: MemberTable;
  transport(): ReplicationTransport;
  /** Peer message body limit; a batch's key+value bytes stay well under it (base64 grows values by 4/3). */
  maxBatchBytes: number;
  /** Batch deadlines and the shutdown flush's retry waits. */
  scheduler: Scheduler;
}

/**
 * Hint replay (docs/cluster.md §8.2): every tick, expired hints are dropped, hints for `leaving` targets are
 * dropped, and each `alive` target gets its hints in FIFO order through `replicate` (source `hint`).
 * A failed batch stays queued for the next tick; `suspect`, `dead` and unknown targets are skipped.
 *
 * Targets are independent: a target whose delivery is still in flight is skipped by the next ticks
 * (no overlapping deliveries to one peer), and every other target is served on time. Each batch is
 * bounded by its own deadline in the core, whatever the transport does with a request still queued
 * for a connection. A slow or silent peer (a thawed node whose new connections still wait in its
 * accept queue) therefore never holds the hints of the peers that answer.
 */
export class HintReplayer {
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: HintReplayerDeps) {}

  /**
   * One replay tick: starts a delivery for every `alive` target that has none in flight. Resolves,
   * once those deliveries ended, with the number of hints they delivered. The periodic loop does not
   * wait for it, so one slow target never delays the next tick.
   */
  async tick(): Promise<number> {
    const { queue, members } = this.deps;
    queue.expire();
    const deliveries: Promise<number>[] = [];
    for (const target of queue.targets()) {
      const state = members.get(target)?.State;
      if (state === 'leaving') queue.dropTarget(target, 'member_leaving');
      else if (state === 'alive' && !this.inFlight.has(target)) deliveries.push(this.deliverOnce(target));
    }
    const delivered = await Promise.all(deliveries);
    return delivered.reduce((a, b) => a + b, 0);
  }

  /**
   * Shutdown step 5 (docs/lifecycle.md §3): replay until no `alive` target has hints left, or `deadline`
   * (epoch ms, on `now()`). A target whose delivery fails is retried every `retryMs`. Whatever is
   * left (hints for unreachable, suspect or dead targets included) is dropped with reason `shutdown`.
   * Resolves with the number dropped.
   */
  async flush(deadline: number, now: () => number, retryMs = 100): Promise<number> {
    while (now() < deadline && this.hasDeliverable()) {
      const before = this.deps.queue.pending;
      await this.tick();
      if (this.deps.queue.pending >= before && now() < deadline) {
        await pause(Math.min(retryMs, Math.max(0, deadline - now())), this.deps.scheduler);
      }
    }
    return this.deps.queue.dropAll('shutdown');
  }

  private hasDeliverable(): boolean {
    return this.deps.queue.targets().some((t) => this.deps.members.get(t)?.State === 'alive');
  }

  private async deliverOnce(target: string): Promise<number> {
    this.inFlight.add(target);
    try {
      return await this.deliver(target);
    } finally {
      this.inFlight.delete(target);
    }
  }

  /** FIFO batches to one target; stops at the first failure (the rest waits for the next tick). */
  private async deliver(target: string): Promise<number> {
    const address = this.deps.members.get(target)?.Address;
    if (address === undefined) return 0;
    const peer = { id: target, address };
    let delivered = 0;
    for (const batch of batches(this.deps.queue.hintsFor(target), this.deps.maxBatchBytes)) {
      try {
        const call = this.deps.transport().replicate(peer, 'hint', batch.map((h) => h.entry), HINT_REPLAY_TIMEOUT_MS);
        await withDeadline(call, HINT_REPLAY_TIMEOUT_MS, this.deps.scheduler);
      } catch {
        break;
      }
      for (const hint of batch) this.deps.queue.delivered(hint);
      delivered += batch.length;
    }
    return delivered;
  }
}

function* batches(hints: Hint[], maxBytes: number): Generator<Hint[]> {
  let batch: Hint[] = [];
  let bytes = 0;
  for (const h of hints) {
    if (batch.length > 0 && (batch.length >= HINT_BATCH_ENTRIES || bytes + h.size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(h);
    bytes += h.size;
  }
  if (batch.length > 0) yield batch;
}
