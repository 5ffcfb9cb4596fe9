import type { HintSink } from '../hints/hint-sink.js';
import type { MemberTable } from '../membership/member-table.js';
import type { MigrationKind } from '../metrics/core-counters.js';
import { type ReplicationTransport, TransportError } from '../replication/transport.js';
import { type Entry, entryBytes } from '../store/entry.js';
import { withDeadline } from '../replication/call-deadline.js';
import type { Scheduler } from '../time/scheduler.js';

/** docs/cluster.md §8.4, docs/configuration.md §6: batches of up to 128 entries, at most 2 in flight, replicate timeout 2 s (docs/peer-protocol.md §4). */
export const MIGRATION_BATCH = 128;
export const MIGRATION_IN_FLIGHT = 2;
export const MIGRATION_TIMEOUT_MS = 2000;

export interface BatchSenderDeps {
  members: MemberTable;
  transport(): ReplicationTransport;
  hints: HintSink;
  /** Key + value bytes one batch may carry, so the message stays under the peer limit (docs/peer-protocol.md §4). */
  maxBatchBytes: number;
  /** Bounds each batch with its own deadline. */
  scheduler: Scheduler;
  /** The replicate source and the hint source of failed sends. */
  source: 'migration' | 'handoff';
  /** A batch is about to be sent. */
  onBatch(): void;
  /** A batch found every in-flight slot taken and waits for one. */
  onPostponed(): void;
  /** A batch was acknowledged (applied or stale): `count` entries of `kind`. */
  onDelivered(kind: MigrationKind, count: number): void;
}

interface Pending {
  entry: Entry;
  kind: MigrationKind;
}

interface OpenBatch {
  items: Pending[];
  bytes: number;
}

/**
 * Collects (entry, target) pairs into per-target batches and sends them with `replicate`. Memory is
 * bounded by one open batch per target plus the batches in flight; a full batch that finds both
 * slots taken makes the caller wait. Never throws: a failed batch becomes one hint per entry.
 */
export class BatchSender {
  private readonly open = new Map<string, OpenBatch>();
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private inFlight = 0;
  /** (entry, target) pairs acknowledged so far. */
  delivered = 0;

  constructor(private readonly deps: BatchSenderDeps) {}

  /** Queues one entry for one target. Returns a promise only when the caller has to wait for a free slot. */
  add(target: string, entry: Entry, kind: MigrationKind): Promise<void> | undefined {
    const size = entryBytes(entry);
    let batch = this.open.get(target);
    // An entry that would push the batch past the byte budget goes into the next one.
    const overflow = batch && batch.items.length > 0 && batch.bytes + size > this.deps.maxBatchBytes ? batch : undefined;
    if (overflow) this.open.delete(target);
    batch = this.open.get(target);
    if (!batch) this.open.set(target, (batch = { items: [], bytes: 0 }));
    batch.items.push({ entry, kind });
    batch.bytes += size;
    const full = batch.items.length >= MIGRATION_BATCH ? batch : undefined;
    if (full) this.open.delete(target);
    if (!overflow && !full) return undefined;
    return (async () => {
      if (overflow) await this.launch(target, overflow.items);
      if (full) await this.launch(target, full.items);
    })();
  }

  /** Sends every partial batch and waits until nothing is in flight. */
  async flush(): Promise<void> {
    for (const [target, batch] of [...this.open]) {
      this.open.delete(target);
      await this.launch(target, batch.items);
    }
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async launch(target: string, batch: Pending[]): Promise<void> {
    if (this.inFlight >= MIGRATION_IN_FLIGHT) this.deps.onPostponed();
    while (this.inFlight >= MIGRATION_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    // send() handles transport failures itself; the catch only keeps a bug in a sink from escaping unhandled.
    const sent: Promise<void> = this.send(target, batch).catch(() => {}).finally(() => {
      this.inFlight--;
      this.running.delete(sent);
      this.waiting.shift()?.();
    });
    this.running.add(sent);
  }

  private async send(target: string, batch: Pending[]): Promise<void> {
    const entries = batch.map((p) => p.entry);
    this.deps.onBatch();
    try {
      const address = this.deps.members.get(target)?.Address;
      if (address === undefined) throw new TransportError('not-sent', `no member record for ${target}`);
      const call = this.deps.transport().replicate({ id: target, address }, this.deps.source, entries, MIGRATION_TIMEOUT_MS);
      await withDeadline(call, MIGRATION_TIMEOUT_MS, this.deps.scheduler);
    } catch {
      for (const entry of entries) this.deps.hints.enqueue(target, entry, this.deps.source);
      return;
    }
    this.delivered += batch.length;
    const byKind = new Map<MigrationKind, number>();
    for (const p of batch) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
    for (const [kind, count] of byKind) this.deps.onDelivered(kind, count);
  }
}
