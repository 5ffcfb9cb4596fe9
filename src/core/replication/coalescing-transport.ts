import type { CoreCounters } from '../metrics/core-counters.js';
import { type Entry, entryBytes } from '../store/entry.js';
import type { Scheduler } from '../time/scheduler.js';
import type { PeerRef, ReplicationTransport } from './transport.js';
import { COORDINATE_MAX_OPS } from './coordinate-batch-wire.js';
import type { CoordinateReply, CoordinateRequest, ReplicateResult, ReplicateSource } from './wire.js';

/** Entries (or keys) per coalesced `replicate` or `read`. */
export const COALESCE_MAX_ITEMS = 128;
/** Operations per coalesced `coordinate` (a batch request's items towards one coordinator fit in one). */
export const COALESCE_MAX_OPS = COORDINATE_MAX_OPS;

interface Waiter<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
}

interface Batch<I, R> {
  peer: PeerRef;
  items: I[];
  waiters: Waiter<R>[];
  bytes: number;
  timeoutMs: number;
}

/**
 * Coalesces the single-entry `replicate`, single-key `read` and `coordinate` calls that many
 * concurrent client operations (or the items of one batch request) make towards the same peer into
 * one call per peer and event-loop turn (docs/peer-protocol.md §2 allows several entries, keys and
 * operations per message). Each caller still gets its own result, and a failed call fails every
 * caller in it, so acks, timeouts, hints and the candidate walk stay per write. A batch is cut at
 * COALESCE_MAX_ITEMS (COALESCE_MAX_OPS for `coordinate`) or `maxBatchBytes` of key+value bytes (the
 * peer message limit, docs/peer-protocol.md §4). A lone `coordinate` goes as the single-operation message.
 */
export class CoalescingTransport implements ReplicationTransport {
  private readonly replicates = new Map<string, Batch<Entry, ReplicateResult>>();
  private readonly reads = new Map<string, Batch<string, Entry | undefined>>();
  private readonly coordinates = new Map<string, Batch<CoordinateRequest, CoordinateReply>>();

  constructor(
    private readonly inner: ReplicationTransport,
    private readonly maxBatchBytes: number,
    /** Its `defer` ends the event-loop turn a batch collects over. */
    private readonly scheduler: Scheduler,
    /** Told about every coalesced `replicate` message sent (read repairs sharing a message are counted). */
    private readonly observer?: Pick<CoreCounters, 'replicateMessage'>,
  ) {}

  replicate(peer: PeerRef, source: ReplicateSource, entries: Entry[], timeoutMs: number): Promise<ReplicateResult[]> {
    if (entries.length !== 1) return this.inner.replicate(peer, source, entries, timeoutMs);
    const entry = entries[0]!;
    return this.enqueue(this.replicates, `${peer.id}\u0000${source}`, peer, entry, entryBytes(entry), COALESCE_MAX_ITEMS, timeoutMs, (b) => {
      this.observer?.replicateMessage(source, b.items.length);
      return this.inner.replicate(b.peer, source, b.items, b.timeoutMs);
    }).then((r) => [r]);
  }

  read(peer: PeerRef, keys: string[], timeoutMs: number): Promise<(Entry | undefined)[]> {
    if (keys.length !== 1) return this.inner.read(peer, keys, timeoutMs);
    const key = keys[0]!;
    return this.enqueue(this.reads, peer.id, peer, key, Buffer.byteLength(key), COALESCE_MAX_ITEMS, timeoutMs, (b) =>
      this.inner.read(b.peer, b.items, b.timeoutMs),
    ).then((r) => [r]);
  }

  coordinate(peer: PeerRef, req: CoordinateRequest, timeoutMs: number): Promise<CoordinateReply> {
    const bytes = Buffer.byteLength(req.key) + (req.value?.length ?? 0);
    return this.enqueue(this.coordinates, peer.id, peer, req, bytes, COALESCE_MAX_OPS, timeoutMs, (b) =>
      b.items.length === 1 ? this.inner.coordinate(b.peer, b.items[0]!, b.timeoutMs).then((r) => [r]) : this.inner.coordinateMany(b.peer, b.items, b.timeoutMs),
    );
  }

  coordinateMany(peer: PeerRef, reqs: CoordinateRequest[], timeoutMs: number): Promise<CoordinateReply[]> {
    return this.inner.coordinateMany(peer, reqs, timeoutMs);
  }

  private enqueue<I, R>(
    open: Map<string, Batch<I, R>>,
    slot: string,
    peer: PeerRef,
    item: I,
    bytes: number,
    maxItems: number,
    timeoutMs: number,
    send: (b: Batch<I, R>) => Promise<R[]>,
  ): Promise<R> {
    let batch = open.get(slot);
    if (batch && (batch.items.length >= maxItems || batch.bytes + bytes > this.maxBatchBytes)) {
      open.delete(slot);
      this.flush(batch, send);
      batch = undefined;
    }
    if (!batch) {
      const fresh: Batch<I, R> = { peer, items: [], waiters: [], bytes: 0, timeoutMs };
      open.set(slot, fresh);
      this.scheduler.defer(() => {
        if (open.get(slot) !== fresh) return;
        open.delete(slot);
        this.flush(fresh, send);
      });
      batch = fresh;
    }
    const joined = batch;
    joined.items.push(item);
    joined.bytes += bytes;
    joined.timeoutMs = Math.min(joined.timeoutMs, timeoutMs);
    return new Promise<R>((resolve, reject) => joined.waiters.push({ resolve, reject }));
  }

  private flush<I, R>(batch: Batch<I, R>, send: (b: Batch<I, R>) => Promise<R[]>): void {
    // A transport that throws instead of rejecting still fails only its callers.
    Promise.resolve().then(() => send(batch)).then(
      (results) => batch.waiters.forEach((w, i) => w.resolve(results[i]!)),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}
