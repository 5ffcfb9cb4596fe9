import { EventBus } from '../../../src/core/events.js';
import type { HintSink } from '../../../src/core/hints/hint-sink.js';
import type { HintSource } from '../../../src/core/metrics/core-counters.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { Rebalancer } from '../../../src/core/rebalance/rebalancer.js';
import { type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { ReplicateSource } from '../../../src/core/replication/wire.js';
import { type Hash64, HashRing } from '../../../src/core/ring/hash-ring.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { LocalStore } from '../../../src/core/store/local-store.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';
import { T0 } from '../store/fixtures.js';

export const VNODES = 16;
export const TOMBSTONE_TTL_MS = 600_000;

export interface Hint {
  target: string;
  key: string;
  source: HintSource;
}

/** One replicate call as the network saw it. */
export interface Call {
  from: string;
  to: string;
  source: ReplicateSource;
  keys: string[];
}

/** A node reduced to what rebalancing touches: its store, its view of the ring, its counters and hints. */
export interface TestNode {
  id: string;
  store: LocalStore;
  members: MemberTable;
  counters: CoreCounters;
  hints: Hint[];
  /** Ring members as this node sees them; tests edit it to model joins, deaths and divergent views. */
  view: Set<string>;
  draining: boolean;
  rebalancer: Rebalancer;
}

/**
 * An in-memory network of LocalStores with their own rings (one ManualClock for all). `replicate`
 * applies at the target like the dist receiver would (soft for migration, hard for handoff) and
 * reports each applied key to the target's rebalancer.
 */
export class RebalanceNet {
  readonly clock = new ManualClock(T0);
  readonly nodes = new Map<string, TestNode>();
  readonly calls: Call[] = [];
  readonly down = new Set<string>();

  constructor(
    private readonly hash: Hash64,
    ids: string[],
    readonly rf: number,
  ) {
    for (const id of ids) this.add(id, ids);
  }

  /** Creates a node whose view is `view`, and makes every other node's member table know it. */
  add(id: string, view: string[]): TestNode {
    const counters = new CoreCounters(new StatsRecorder());
    const store = new LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: TOMBSTONE_TTL_MS }, this.clock, counters);
    const members = new MemberTable(id, `${id}:7946`, new EventBus());
    const hints: Hint[] = [];
    const node = { id, store, members, counters, hints, view: new Set(view), draining: false } as TestNode;
    const sink: HintSink = { enqueue: (target, entry, source) => hints.push({ target, key: entry.key, source }) };
    this.nodes.set(id, node);
    for (const n of this.nodes.values()) {
      for (const other of this.nodes.values()) {
        if (other.id !== n.id) n.members.set({ ID: other.id, Address: `${other.id}:7946`, State: 'alive', Incarnation: 1 });
      }
    }
    node.rebalancer = new Rebalancer({
      nodeId: id,
      replication: this.rf,
      ring: () => this.ringOf([...node.view]),
      ringOf: (m) => this.ringOf(m),
      maxBatchBytes: 1 << 20,
      members,
      store,
      transport: () => this.transportFrom(id),
      hints: sink,
      counters,
      clock: this.clock,
      scheduler: systemScheduler,
      isDraining: () => node.draining,
    });
    return node;
  }

  node(id: string): TestNode {
    return this.nodes.get(id)!;
  }

  ringOf(members: readonly string[]): HashRing {
    return new HashRing(members, VNODES, this.hash);
  }

  /** Sets every node's view (self included) to `members`. */
  setViews(members: string[], only?: string[]): void {
    for (const n of this.nodes.values()) if (!only || only.includes(n.id)) n.view = new Set(members);
  }

  /** Stores `entry` on each of its owners on `members`' ring, as a settled write would have. */
  seed(entry: Entry, members: string[]): string[] {
    const owners = this.ringOf(members).owners(entry.key, this.rf);
    for (const id of owners) this.node(id).store.apply(entry, 'hard', 'replication');
    return owners;
  }

  async tickAll(ids: Iterable<string> = this.nodes.keys()): Promise<void> {
    for (const id of [...ids]) await this.node(id).rebalancer.tick();
  }

  holders(key: string): string[] {
    return [...this.nodes.values()].filter((n) => n.store.peek(key) !== undefined).map((n) => n.id).sort();
  }

  transportFrom(from: string): ReplicationTransport {
    return {
      replicate: async (peer, source, entries) => {
        this.calls.push({ from, to: peer.id, source, keys: entries.map((e) => e.key) });
        await Promise.resolve();
        if (this.down.has(peer.id)) throw new TransportError('not-sent', 'ECONNREFUSED');
        const target = this.node(peer.id);
        return entries.map((e) => {
          const hard = source === 'replication' || source === 'hint' || source === 'handoff';
          const result = target.store.apply(e, hard ? 'hard' : 'soft', source);
          if (result === 'applied') target.rebalancer.noteReceived(e.key);
          return result === 'applied' ? ('applied' as const) : ('stale' as const);
        });
      },
      read: () => Promise.reject(new TransportError('not-sent', 'unused')),
      coordinate: () => Promise.reject(new TransportError('not-sent', 'unused')),
      coordinateMany: () => Promise.reject(new TransportError('not-sent', 'unused')),
    };
  }
}

/** Migration counters of one node, for compact assertions. */
export function moved(n: TestNode): { new_owner: number; lost_ownership: number; handoff: number; scans: number; batches: number } {
  return { ...n.counters.rebalanceMigrations, scans: n.counters.rebalanceScans, batches: n.counters.dist.RebalanceBatches };
}
