import { CacheNode } from '../../../src/core/node.js';
import { CoalescingTransport } from '../../../src/core/replication/coalescing-transport.js';
import { batchByteBudget } from '../../../src/core/replication/message-limits.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { ReplicateSource } from '../../../src/core/replication/wire.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { SeededRandom } from '../../../src/core/time/random.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';
import { testConfig } from '../../support/test-config.js';
import { T0 } from '../store/fixtures.js';
import { coordinateReplyOf, settledWrite } from './coordinate-reply.js';

/** How a peer fails: `refuse` never receives the call, `lost` may have (timeout after sending), `hang` never answers. */
export type Fault = 'refuse' | 'lost' | 'hang';

export interface NetCall {
  op: 'replicate' | 'read' | 'coordinate';
  from: string;
  to: string;
  source?: ReplicateSource;
  /** Entries, keys or operations the call carried. */
  size: number;
}

/** An in-memory network of CacheNodes; calls go straight to the target node, faults are injected per node. */
export class ReplicationNet {
  readonly nodes = new Map<string, CacheNode>();
  readonly faults = new Map<string, Fault>();
  readonly clocks = new Map<string, ManualClock>();
  readonly calls: NetCall[] = [];

  node(id: string): CacheNode {
    return this.nodes.get(id)!;
  }

  transportFor(from: string): ReplicationTransport {
    return {
      replicate: (peer, source, entries) => this.call(from, peer, 'replicate', entries.length, source, (n) => n.applyReplicated(source, entries)),
      read: (peer, keys) => this.call(from, peer, 'read', keys.length, undefined, (n) => n.readReplicas(keys)),
      coordinate: (peer, req) => this.call(from, peer, 'coordinate', 1, undefined, async (n) => coordinateReplyOf(await settledWrite(n.coordinateForwarded(req)))),
      coordinateMany: (peer, reqs) => this.call(from, peer, 'coordinate', reqs.length, undefined, async (n) => (await n.coordinateForwardedMany(reqs)).map(coordinateReplyOf)),
    };
  }

  private async call<T>(from: string, peer: PeerRef, op: NetCall['op'], size: number, source: ReplicateSource | undefined, fn: (n: CacheNode) => T | Promise<T>): Promise<T> {
    this.calls.push({ op, from, to: peer.id, ...(source ? { source } : {}), size });
    await Promise.resolve();
    const fault = this.faults.get(peer.id);
    if (fault === 'refuse') throw new TransportError('not-sent', 'ECONNREFUSED');
    if (fault === 'lost') throw new TransportError('unknown', 'timeout after sending');
    if (fault === 'hang') return new Promise<T>(() => {});
    return fn(this.node(peer.id));
  }
}

/**
 * `ids` as CacheNodes that know each other `alive`, each on its own manual clock. With `coalescing`,
 * each node reaches the network through the coalescing transport, as in a real cluster.
 */
export function replicationNet(hash: Hash64, ids: string[], replication: number, opts: { coalescing?: boolean } = {}): ReplicationNet {
  const net = new ReplicationNet();
  for (const id of ids) {
    const clock = new ManualClock(T0);
    const config = testConfig({ nodeId: id, replication, advertiseAddr: `${id}:7946` });
    const node = new CacheNode({ config, clock, random: new SeededRandom(1), hash });
    net.clocks.set(id, clock);
    const raw = net.transportFor(id);
    node.useTransport(opts.coalescing ? new CoalescingTransport(raw, batchByteBudget(config.maxValueBytes), systemScheduler, node.counters) : raw);
    net.nodes.set(id, node);
  }
  for (const node of net.nodes.values()) {
    for (const id of ids) if (id !== node.nodeId) node.members.set({ ID: id, Address: `${id}:7946`, State: 'alive', Incarnation: 1 });
  }
  return net;
}
