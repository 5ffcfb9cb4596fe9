import type { Consistency } from '../../config/config.types.js';
import { CacheError, type ErrorCode, Errors, STATUS_OF } from '../errors.js';
import type { MemberTable } from '../membership/member-table.js';
import type { CoreCounters } from '../metrics/core-counters.js';
import type { WriteOutcome, WriteResult } from '../node.types.js';
import { type Entry, entryBytes } from '../store/entry.js';
import type { LocalStore } from '../store/local-store.js';
import type { Clock } from '../time/clock.js';
import { compareVersioned } from '../versioning/order.js';
import type { HybridLogicalClock } from '../versioning/hlc.js';
import { withDeadline } from './call-deadline.js';
import type { Scheduler } from '../time/scheduler.js';
import { failedPrecondition } from './preconditions.js';
import { flooredN, required } from './quorum.js';
import { type PeerRef, type ReplicationTransport, TransportError } from './transport.js';
import type { CoordinateReply, CoordinateRequest } from './wire.js';
import { WriteTally } from './write-tally.js';

/** docs/peer-protocol.md §4 timeouts. */
export const COORDINATE_TIMEOUT_MS = 5000;
export const REPLICATE_TIMEOUT_MS = 2000;
export const READ_TIMEOUT_MS = 2000;

export interface ReplicationDeps {
  nodeId: string;
  /** RF: the quorum floor counts min(RF, known members) (docs/cluster.md §3.1). */
  replication: number;
  members: MemberTable;
  owners(key: string): string[];
  store: LocalStore;
  hlc: HybridLogicalClock;
  counters: CoreCounters;
  clock: Clock;
  scheduler: Scheduler;
  /** Key + value bytes one `replicate` of a batch may carry (the peer message limit, docs/peer-protocol.md §4). */
  maxBatchBytes: number;
  isDraining(): boolean;
  transport(): ReplicationTransport;
  /**
   * An owner did not confirm a replicate (failure or timeout, also after the answer was sent).
   * The hinted-handoff queue (docs/cluster.md §8.2) plugs in here.
   */
  onReplicaFailed(target: string, entry: Entry): void;
}

/** The read outcome: `local` means "answer from the local copy" (ONE at an owner). */
export type ReadOutcome = { local: true } | { local: false; entry: Entry | undefined };

/**
 * Cluster logic of writes and reads (docs/cluster.md §4–§7), framework-free: forwarding with
 * promotion, coordination with parallel replication, quorum reads with read repair. Peers are
 * reached through the `ReplicationTransport` port only.
 */
export class ReplicationCoordinator {
  constructor(private readonly deps: ReplicationDeps) {}

  /** Owners in ring order, `alive` ones first, then `suspect` ones (docs/cluster.md §4 step 2). */
  candidates(key: string, owners: string[] = this.deps.owners(key)): string[] {
    const state = (id: string) => (id === this.deps.nodeId ? 'alive' : this.deps.members.get(id)?.State);
    return [...owners.filter((id) => state(id) === 'alive'), ...owners.filter((id) => state(id) !== 'alive')];
  }

  /**
   * Entry-node write (docs/cluster.md §4 steps 1–2). An owner coordinates an unconditional write itself;
   * concurrent ones coordinated by different owners resolve by (version, origin). A conditional write,
   * or any write entering at a non-owner, walks the candidates in order: self coordinates when its turn
   * comes, any other is sent the whole operation, so one coordinator evaluates every precondition of a
   * key. Only failures that prove nothing was applied (or, for an unconditional write, any transport
   * failure) move on to the next candidate.
   */
  async write(req: CoordinateRequest, owners: string[] = this.deps.owners(req.key)): Promise<WriteOutcome> {
    if (this.deps.isDraining()) throw Errors.draining();
    const d = this.deps.counters.dist;
    const conditional = req.preconditions !== undefined;
    if (!conditional && owners.includes(this.deps.nodeId)) return this.coordinate(req, owners);
    const candidates = this.candidates(req.key, owners);
    for (let i = 0; i < candidates.length; i++) {
      if (i > 0) d.WriteForwardPromotion++;
      const c = candidates[i]!;
      if (c === this.deps.nodeId) return this.coordinate(req, owners);
      const peer = this.peer(c);
      if (!peer) continue;
      if (req.op === 'put') d.ForwardSet++;
      else d.ForwardRemove++;
      let reply: CoordinateReply;
      try {
        reply = await withDeadline(this.deps.transport().coordinate(peer, req, COORDINATE_TIMEOUT_MS), COORDINATE_TIMEOUT_MS, this.deps.scheduler);
        this.deps.counters.forward(req.op, 'ok');
      } catch (err) {
        this.deps.counters.forward(req.op, 'error');
        const phase = err instanceof TransportError ? err.phase : 'unknown';
        if (phase === 'unknown' && conditional) throw Errors.unavailable();
        continue;
      }
      if (!reply.ok && (reply.status === 401 || (reply.status === 503 && reply.code === 'DRAINING'))) continue;
      return relay(reply);
    }
    // Every earlier move was counted as a promotion; none of them found a coordinator.
    throw Errors.unavailable();
  }

  /**
   * Coordinator (docs/cluster.md §4 steps 3–5) of one write: `coordinateMany` of one operation,
   * settled as the single-key routes expect (the outcome, or the error thrown).
   */
  coordinate(req: CoordinateRequest, owners: string[] = this.deps.owners(req.key)): Promise<WriteOutcome> {
    return this.coordinateMany([req], [owners]).then(([result]) => {
      if (result instanceof Error) throw result;
      return result!;
    });
  }

  /**
   * Coordinator of several writes (docs/cluster.md §4 steps 3–5, §4.1): one synchronous pass
   * evaluates each precondition against the local entry and applies each write in order (nothing
   * interleaves, so same-key writes apply in request order), then each other owner gets one
   * `replicate` carrying all its entries (cut at the message byte budget), in parallel. Every write
   * keeps its own acks, quorum, answer and hints; the promise settles once every write is answered.
   */
  coordinateMany(reqs: readonly CoordinateRequest[], ownersOf: readonly string[][] = reqs.map((r) => this.deps.owners(r.key))): Promise<WriteResult[]> {
    const { deps } = this;
    if (deps.isDraining()) return Promise.resolve(reqs.map(() => Errors.draining()));
    const now = deps.clock.now();
    const results = new Array<WriteResult>(reqs.length);
    // Writes with the same owners (in any order) travel together: each message is built once and sent to each of them.
    const byOwnerSet = new Map<string, { owners: string[]; tallies: WriteTally[] }>();
    const tallies: WriteTally[] = [];
    let open = 0;
    let answerAll!: (results: WriteResult[]) => void;
    const answered = new Promise<WriteResult[]>((resolve) => (answerAll = resolve));
    for (let i = 0; i < reqs.length; i++) {
      const owners = ownersOf[i]!;
      const tally = this.applyLocally(reqs[i]!, owners, now, (result) => {
        results[i] = result;
        if (--open === 0) answerAll(results);
      });
      if (tally instanceof Error) {
        results[i] = tally;
        continue;
      }
      open++;
      const set = ownerSetKey(owners);
      const group = byOwnerSet.get(set);
      if (group) group.tallies.push(tally);
      else byOwnerSet.set(set, { owners, tallies: [tally] });
      tallies.push(tally);
    }
    for (const { owners, tallies: group } of byOwnerSet.values()) this.replicateTo(owners.filter((id) => id !== deps.nodeId), group);
    // A write the local apply already satisfies (ONE, or n = 1) answers now; the rest as replies come in.
    for (const tally of tallies) tally.settle();
    if (open === 0) answerAll(results);
    return answered;
  }

  /**
   * A write no peer takes part in: this node is the key's only owner (a single node, or RF 1), so
   * `write` would coordinate it here and answer once the local apply is done. Applied and answered
   * in the same turn instead, with the same checks, counters and answer (the outcome, or the
   * `CacheError` thrown); undefined, having done nothing, when another owner is involved.
   */
  writeAlone(req: CoordinateRequest, owners: string[] = this.deps.owners(req.key)): WriteOutcome | undefined {
    if (owners.length !== 1 || owners[0] !== this.deps.nodeId) return undefined;
    if (this.deps.isDraining()) throw Errors.draining();
    let result: WriteResult | undefined;
    const tally = this.applyLocally(req, owners, this.deps.clock.now(), (r) => (result = r));
    if (tally instanceof Error) throw tally;
    tally.settle(); // no other owner: answered now, with its acks or QUORUM_NOT_MET
    if (result === undefined || result instanceof Error) throw result ?? new Error('write not answered');
    return result;
  }

  /**
   * The coordinator's local step of one write (docs/cluster.md §4 step 3): the precondition against
   * the local entry (failed → the `PRECONDITION_FAILED` error, counted), else a new version applied
   * to the store and the write's tally (its acks start with this node's when it is an owner), which
   * calls `onAnswer` once the write is answered.
   */
  private applyLocally(req: CoordinateRequest, owners: string[], now: number, onAnswer: (result: WriteResult) => void): WriteTally | CacheError {
    const { deps } = this;
    const d = deps.counters.dist;
    // Only a conditional write reads the local entry (a peek builds an Entry and copies its value).
    const failed = req.preconditions === undefined ? undefined : failedPrecondition(deps.store.peek(req.key), req.preconditions, now);
    if (failed) {
      d.PreconditionFailures++;
      deps.counters.preconditionFailures[req.op]++;
      return Errors.preconditionFailed(failed.version);
    }
    const version = deps.hlc.next();
    const entry: Entry = req.op === 'put'
      ? { kind: 'item', key: req.key, value: req.value ?? Buffer.alloc(0), version, origin: deps.nodeId, updatedAt: now, expiresAt: req.ttlMs > 0 ? now + req.ttlMs : 0 }
      : { kind: 'tombstone', key: req.key, version, origin: deps.nodeId, deletedAt: now };
    deps.store.apply(entry, 'hard', 'local');
    const n = this.quorumN(owners);
    const self = owners.includes(deps.nodeId);
    const fanout = owners.length - (self ? 1 : 0);
    const tally = new WriteTally(entry, req.op, owners, n, required(req.consistency, n), self ? 1 : 0, fanout, deps.counters, onAnswer);
    d.WriteAttempts++;
    if (req.op === 'put') d.ReplicaFanoutSet += fanout;
    else d.ReplicaFanoutRemove += fanout;
    return tally;
  }

  /**
   * Entry-node writes of a batch (docs/cluster.md §4.1): the unconditional writes this node owns are
   * coordinated here in one `coordinateMany`; every other write takes `write`'s candidate walk, and
   * the coalescing transport carries the `coordinate` calls of one turn to one coordinator as one
   * call. One result per request, in order; a failed write never fails the others.
   */
  writeMany(reqs: readonly CoordinateRequest[]): Promise<WriteResult[]> {
    if (this.deps.isDraining()) return Promise.resolve(reqs.map(() => Errors.draining()));
    const results = new Array<WriteResult>(reqs.length);
    const local: number[] = [];
    const localOwners: string[][] = [];
    const walks: Promise<void>[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const req = reqs[i]!;
      const owners = this.deps.owners(req.key);
      if (req.preconditions === undefined && owners.includes(this.deps.nodeId)) {
        local.push(i);
        localOwners.push(owners);
        continue;
      }
      walks.push(this.write(req, owners).then((out) => void (results[i] = out), (err: unknown) => void (results[i] = asError(err))));
    }
    const coordinated = local.length === 0
      ? Promise.resolve()
      : this.coordinateMany(local.map((i) => reqs[i]!), localOwners).then((out) => out.forEach((r, j) => (results[local[j]!] = r)));
    return Promise.all([coordinated, ...walks]).then(() => results);
  }

  /**
   * The entries of `tallies` to each of `targets`, one `replicate` per message byte budget (docs/peer-protocol.md §4).
   * Every target gets the same entries array, so a transport can encode the message once.
   */
  private replicateTo(targets: readonly string[], tallies: readonly WriteTally[]): void {
    if (targets.length === 0) return;
    let chunk: WriteTally[] = [];
    let bytes = 0;
    const send = () => {
      const entries = chunk.map((t) => t.entry);
      for (const target of targets) this.replicateChunk(target, chunk, entries);
    };
    for (const tally of tallies) {
      const size = entryBytes(tally.entry);
      if (chunk.length > 0 && bytes + size > this.deps.maxBatchBytes) {
        send();
        chunk = [];
        bytes = 0;
      }
      chunk.push(tally);
      bytes += size;
    }
    if (chunk.length > 0) send();
  }

  /** docs/cluster.md §4 steps 3.3–3.5: each write of the message counts its answer; a failure is a hint per write. */
  private replicateChunk(target: string, chunk: readonly WriteTally[], entries: Entry[]): void {
    const { deps } = this;
    const peer = this.peer(target);
    const sent = peer
      ? withDeadline(deps.transport().replicate(peer, 'replication', entries, REPLICATE_TIMEOUT_MS), REPLICATE_TIMEOUT_MS, deps.scheduler)
      : Promise.reject(new TransportError('not-sent', `unknown member ${target}`));
    sent.then(
      () => {
        for (const t of chunk) t.ack();
      },
      () => {
        for (const t of chunk) {
          deps.onReplicaFailed(target, t.entry);
          t.fail();
        }
      },
    );
  }

  /** Read path (docs/cluster.md §5). */
  async read(key: string, consistency: Consistency): Promise<ReadOutcome> {
    const owners = this.deps.owners(key);
    // An empty ring (a lone node that is draining) leaves the local copy as the only one.
    if (owners.length === 0) return { local: true };
    if (consistency === 'one') {
      if (owners.includes(this.deps.nodeId)) return { local: true };
      return { local: false, entry: await this.readOne(key, owners) };
    }
    return { local: false, entry: await this.readQuorum(key, owners, required(consistency, this.quorumN(owners))) };
  }

  /** n of docs/cluster.md §3 for this owner set: floored at min(RF, members this node knows). */
  private quorumN(owners: string[]): number {
    return flooredN(owners.length, this.deps.replication, this.deps.members.size);
  }

  private async readOne(key: string, owners: string[]): Promise<Entry | undefined> {
    const d = this.deps.counters.dist;
    const candidates = this.candidates(key, owners);
    for (let i = 0; i < candidates.length; i++) {
      const peer = this.peer(candidates[i]!);
      if (!peer) continue;
      d.ForwardGet++;
      try {
        const [entry] = await withDeadline(this.deps.transport().read(peer, [key], READ_TIMEOUT_MS), READ_TIMEOUT_MS, this.deps.scheduler);
        this.deps.counters.forward('get', 'ok');
        if (i > 0) d.ReadPrimaryPromote++;
        if (entry) this.deps.hlc.observe(entry.version);
        return entry;
      } catch {
        this.deps.counters.forward('get', 'error');
        // A transport failure moves to the next candidate; "not found" is an answer.
      }
    }
    throw Errors.unavailable();
  }

  private readQuorum(key: string, owners: string[], need: number): Promise<Entry | undefined> {
    const { deps } = this;
    const d = deps.counters.dist;
    const responses = new Map<string, Entry | undefined>();
    if (owners.includes(deps.nodeId)) responses.set(deps.nodeId, deps.store.peek(key));
    const remote = owners.filter((id) => id !== deps.nodeId);
    let pending = remote.length;

    return new Promise<Entry | undefined>((resolve, reject) => {
      let answered = false;
      const settle = () => {
        if (!answered) {
          if (responses.size >= need) {
            answered = true;
            resolve(this.decide([...responses.values()]));
          } else if (pending === 0) {
            answered = true;
            d.ReadQuorumFailures++;
            deps.counters.quorumFailures.read++;
            reject(new CacheError('QUORUM_NOT_MET', `read quorum not met: ${responses.size} of ${need} responses`));
          }
        }
        if (pending === 0 && answered) this.repair(responses);
      };
      for (const id of remote) {
        const peer = this.peer(id);
        if (peer) d.ForwardGet++;
        const asked = peer
          ? withDeadline(deps.transport().read(peer, [key], READ_TIMEOUT_MS), READ_TIMEOUT_MS, deps.scheduler)
          : Promise.reject(new TransportError('not-sent', `unknown member ${id}`));
        asked.then(
          ([entry]) => {
            deps.counters.forward('get', 'ok');
            if (entry) deps.hlc.observe(entry.version);
            responses.set(id, entry);
            pending--;
            settle();
          },
          () => {
            if (peer) deps.counters.forward('get', 'error');
            pending--;
            settle();
          },
        );
      }
      settle();
    });
  }

  /** Newest by (version, origin), tombstones included; counts conflicts and origin tie-breaks. */
  private decide(seen: (Entry | undefined)[]): Entry | undefined {
    const d = this.deps.counters.dist;
    const sorted = seen.filter((e): e is Entry => e !== undefined).sort((a, b) => compareVersioned(b, a));
    const newest = sorted[0];
    const differing = seen.some((e) => e === undefined || compareVersioned(e, newest!) !== 0);
    if (newest && differing) {
      d.VersionConflicts++;
      const runnerUp = sorted.find((e) => compareVersioned(e, newest) !== 0);
      if (runnerUp && runnerUp.version === newest.version) d.VersionTieBreaks++;
    }
    return newest;
  }

  /** Read repair (docs/cluster.md §5): every owner that answered older or nothing gets the newest entry, soft. */
  private repair(responses: Map<string, Entry | undefined>): void {
    const { deps } = this;
    const newest = [...responses.values()].reduce<Entry | undefined>(
      (best, e) => (e && (!best || compareVersioned(e, best) > 0) ? e : best),
      undefined,
    );
    if (!newest) return;
    for (const [id, entry] of responses) {
      if (entry && compareVersioned(entry, newest) >= 0) continue;
      if (id === deps.nodeId) {
        deps.store.apply(newest, 'soft', 'repair');
        continue;
      }
      const peer = this.peer(id);
      if (!peer) continue;
      deps.counters.dist.ReadRepair++;
      // Failures are not hinted; anti-entropy covers them.
      withDeadline(deps.transport().replicate(peer, 'repair', [newest], REPLICATE_TIMEOUT_MS), REPLICATE_TIMEOUT_MS, deps.scheduler).catch(() => {});
    }
  }

  private peer(id: string): PeerRef | undefined {
    const m = this.deps.members.get(id);
    return m ? { id, address: m.Address } : undefined;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The coordinator's answer relayed unchanged by the entry node (docs/cluster.md §4). */
function relay(reply: CoordinateReply): WriteOutcome {
  if (reply.ok) return { version: reply.version, acks: reply.acks, n: reply.n, owners: reply.owners, expiresAt: reply.expiresAt };
  const code: ErrorCode = reply.code in STATUS_OF ? (reply.code as ErrorCode) : 'INTERNAL';
  const details = {
    ...(reply.version === undefined ? {} : { version: reply.version }),
    ...(reply.acks === undefined ? {} : { acks: reply.acks }),
    ...(reply.n === undefined ? {} : { n: reply.n }),
    ...(reply.owners === undefined ? {} : { owners: reply.owners }),
  };
  throw new CacheError(code, code === 'INTERNAL' && !(reply.code in STATUS_OF) ? 'internal error' : reply.error, details);
}

/** The same string for the same owners in any order (no copy or sort for up to 3 owners, the usual RF). */
function ownerSetKey(owners: readonly string[]): string {
  if (owners.length === 1) return owners[0]!;
  if (owners.length === 2) {
    const [a, b] = owners as [string, string];
    return a < b ? `${a} ${b}` : `${b} ${a}`;
  }
  if (owners.length === 3) {
    let [a, b, c] = owners as [string, string, string];
    if (a > b) [a, b] = [b, a];
    if (b > c) [b, c] = [c, b];
    if (a > b) [a, b] = [b, a];
    return `${a} ${b} ${c}`;
  }
  return [...owners].sort().join(' ');
}
