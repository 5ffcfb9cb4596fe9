import type { Consistency } from '../../config/config.types.js';
import { CacheError, type ErrorCode, Errors, STATUS_OF } from '../errors.js';
import type { MemberTable } from '../membership/member-table.js';
import type { CoreCounters } from '../metrics/core-counters.js';
import type { WriteOutcome } from '../node.types.js';
import type { Entry } from '../store/entry.js';
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
  async write(req: CoordinateRequest): Promise<WriteOutcome> {
    if (this.deps.isDraining()) throw Errors.draining();
    const d = this.deps.counters.dist;
    const conditional = req.preconditions !== undefined;
    const owners = this.deps.owners(req.key);
    if (!conditional && owners.includes(this.deps.nodeId)) return this.coordinate(req, owners);
    const candidates = this.candidates(req.key, owners);
    for (let i = 0; i < candidates.length; i++) {
      if (i > 0) d.WriteForwardPromotion++;
      const c = candidates[i]!;
      if (c === this.deps.nodeId) return this.coordinate(req);
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
   * Coordinator (docs/cluster.md §4 steps 3–5): precondition check and local apply run synchronously (nothing
   * interleaves for the key), then replicate to the other owners in parallel and answer as soon as
   * the acks meet the consistency level.
   */
  coordinate(req: CoordinateRequest, owners: string[] = this.deps.owners(req.key)): Promise<WriteOutcome> {
    const { deps } = this;
    if (deps.isDraining()) return Promise.reject(Errors.draining());
    const d = deps.counters.dist;
    const now = deps.clock.now();
    const failed = failedPrecondition(deps.store.peek(req.key), req.preconditions, now);
    if (failed) {
      d.PreconditionFailures++;
      deps.counters.preconditionFailures[req.op]++;
      return Promise.reject(Errors.preconditionFailed(failed.version));
    }
    const version = deps.hlc.next();
    const entry: Entry = req.op === 'put'
      ? { kind: 'item', key: req.key, value: req.value ?? Buffer.alloc(0), version, origin: deps.nodeId, updatedAt: now, expiresAt: req.ttlMs > 0 ? now + req.ttlMs : 0 }
      : { kind: 'tombstone', key: req.key, version, origin: deps.nodeId, deletedAt: now };
    deps.store.apply(entry, 'hard', 'local');

    const n = this.quorumN(owners);
    const need = required(req.consistency, n);
    const targets = owners.filter((id) => id !== deps.nodeId);
    const expiresAt = entry.kind === 'item' ? entry.expiresAt : 0;
    let acks = owners.includes(deps.nodeId) ? 1 : 0;
    let pending = targets.length;
    d.WriteAttempts++;

    return new Promise<WriteOutcome>((resolve, reject) => {
      let answered = false;
      const settle = () => {
        if (answered) return;
        if (acks >= need) {
          answered = true;
          d.WriteAcks += acks;
          deps.counters.replicationAcks[req.op] += acks;
          resolve({ version, acks, n, owners, expiresAt });
        } else if (pending === 0) {
          answered = true;
          d.WriteAcks += acks;
          deps.counters.replicationAcks[req.op] += acks;
          d.WriteQuorumFailures++;
          deps.counters.quorumFailures.write++;
          reject(new CacheError('QUORUM_NOT_MET', `write quorum not met: ${acks} of ${need} acks`, { version, acks, n, owners }));
        }
      };
      for (const target of targets) {
        if (req.op === 'put') d.ReplicaFanoutSet++;
        else d.ReplicaFanoutRemove++;
        const peer = this.peer(target);
        const sent = peer
          ? withDeadline(deps.transport().replicate(peer, 'replication', [entry], REPLICATE_TIMEOUT_MS), REPLICATE_TIMEOUT_MS, deps.scheduler)
          : Promise.reject(new TransportError('not-sent', `unknown member ${target}`));
        sent.then(
          () => {
            pending--;
            if (!answered) acks++;
            settle();
          },
          () => {
            pending--;
            deps.counters.replicationFailures[req.op]++;
            deps.onReplicaFailed(target, entry);
            settle();
          },
        );
      }
      settle();
    });
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
