import { AntiEntropy, type AntiEntropyDeps, type AntiEntropyTransport, SETTLE_MS } from '../../../src/core/merkle/anti-entropy.js';
import { SLICE_MS } from '../../../src/core/merkle/co-owned-trees.js';
import { encodeMerkleRequest, encodeMerkleResponse, parseMerkleRequest, parseMerkleResponse } from '../../../src/core/merkle/merkle-wire.js';
import { coordinateReplyOf, settledWrite } from '../replication/coordinate-reply.js';
import { CacheNode } from '../../../src/core/node.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { FrameWriter, encodeFrame, readFrame } from '../../../src/core/replication/frame.js';
import { encodeEntry } from '../../../src/core/replication/wire.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';
import { SeededRandom } from '../../../src/core/time/random.js';
import type { HypercacheConfig } from '../../../src/config/config.types.js';
import { testConfig } from '../../support/test-config.js';
import { T0 } from '../store/fixtures.js';

/** `silent`: a frozen peer (SIGSTOP), whose calls time out after they may have been sent. */
export type Fault = 'refuse' | 'refuse-replicate' | 'silent';

export interface NetworkOptions {
  /** The nodes' clock (a SimNetwork's, when it drives their membership). */
  clock?: ManualClock;
  /** Every node starts holding every other one `alive` (default); false leaves it to the membership. */
  knownPeers?: boolean;
}

export interface Call {
  op: 'merkle' | 'replicate' | 'coordinate' | 'read';
  from: string;
  to: string;
  want?: string;
  /** Entries carried: in a merkle answer, or in a replicate request. */
  entries: number;
  /** Request + response JSON bytes. */
  bytes: number;
}

/**
 * An in-memory network of real CacheNodes, each with its AntiEntropy. Messages go through the wire
 * schema (encode → JSON → parse) both ways, so the tests exercise the validation as well.
 */
export class MemoryNetwork {
  readonly nodes = new Map<string, CacheNode>();
  readonly ae = new Map<string, AntiEntropy>();
  readonly clock: ManualClock;
  readonly faults = new Map<string, Fault>();
  readonly calls: Call[] = [];
  readonly maxValueBytes: number;
  private readonly ownsClock: boolean;

  constructor(
    ids: string[],
    hash: Hash64,
    config: (id: string) => Partial<HypercacheConfig> = () => ({}),
    deps: (id: string) => Partial<AntiEntropyDeps> = () => ({}),
    opts: NetworkOptions = {},
  ) {
    this.clock = opts.clock ?? new ManualClock(T0);
    this.ownsClock = opts.clock === undefined;
    this.maxValueBytes = testConfig().maxValueBytes;
    for (const id of ids) {
      const node = new CacheNode({
        config: testConfig({ nodeId: id, advertiseAddr: `${id}:7946`, ...config(id) }),
        clock: this.clock,
        random: new SeededRandom(1),
        hash,
      });
      this.nodes.set(id, node);
    }
    for (const node of this.nodes.values()) {
      if (opts.knownPeers ?? true) for (const id of ids) if (id !== node.nodeId) node.members.set({ ID: id, Address: `${id}:7946`, State: 'alive', Incarnation: 1 });
      this.ae.set(node.nodeId, new AntiEntropy({
        nodeId: node.nodeId,
        replicationFactor: config(node.nodeId).replication ?? testConfig().replication,
        ring: () => node.ring,
        members: node.members,
        store: node.store,
        hlc: node.hlc,
        hash,
        counters: node.counters,
        clock: this.clock,
        scheduler: systemScheduler,
        random: new SeededRandom(ids.indexOf(node.nodeId) + 7),
        isDraining: () => node.isDraining(),
        maxMessageBytes: 4 * this.maxValueBytes + 1024 * 1024,
        transport: () => this.merkleTransport(node.nodeId),
        replication: () => this.replicationTransport(node.nodeId),
        ...deps(node.nodeId),
      }));
    }
  }

  node(id: string): CacheNode {
    return this.nodes.get(id)!;
  }

  /**
   * One round of `id`. On the network's own clock, time first moves past the settle window, so the
   * round compares every entry seeded before it (a round leaves out versions younger than SETTLE_MS);
   * on a clock given in the options (a SimNetwork's), time is the caller's.
   */
  round(id: string): ReturnType<AntiEntropy['round']> {
    if (this.ownsClock) this.clock.advance(SETTLE_MS + SLICE_MS);
    return this.ae.get(id)!.round();
  }

  /** Writes an entry into one node's store only (a replica that missed or diverged). */
  seed(id: string, ...entries: Entry[]): void {
    for (const e of entries) this.node(id).store.apply(e, 'hard', 'replication');
  }

  /** What `from` reaches its peers' `answer` through. */
  merkleTransport(from: string): AntiEntropyTransport {
    return {
      merkle: async (peer, request) => {
        this.reachable(peer, 'merkle');
        const reqFrame = encodeFrame(encodeMerkleRequest(request));
        const answer = await this.ae.get(peer.id)!.answer(parseMerkleRequest(readFrame(reqFrame).header));
        const resFrame = encodeMerkleResponse(answer);
        const reader = readFrame(resFrame);
        const res = parseMerkleResponse(reader, request, this.maxValueBytes);
        reader.end();
        this.calls.push({
          op: 'merkle', from, to: peer.id, want: request.want,
          entries: res.want === 'entries' ? res.entries.length : 0,
          bytes: reqFrame.length + resFrame.length,
        });
        return res;
      },
    };
  }

  /** What `from` reaches its peers' replicate, read and coordinate handlers through. */
  replicationTransport(from: string): ReplicationTransport {
    return {
      replicate: async (peer, source, entries) => {
        this.reachable(peer, 'replicate');
        const frame = new FrameWriter();
        const bytes = frame.finish({ source, entries: entries.map((e) => encodeEntry(e, frame)) }).length;
        this.calls.push({ op: 'replicate', from, to: peer.id, entries: entries.length, bytes });
        return this.node(peer.id).applyReplicated(source, entries);
      },
      read: async (peer, keys) => {
        this.reachable(peer, 'read');
        this.calls.push({ op: 'read', from, to: peer.id, entries: keys.length, bytes: 0 });
        return this.node(peer.id).readReplicas(keys);
      },
      coordinate: async (peer, req) => {
        this.reachable(peer, 'coordinate');
        this.calls.push({ op: 'coordinate', from, to: peer.id, entries: 1, bytes: 0 });
        return coordinateReplyOf(await settledWrite(this.node(peer.id).coordinateForwarded(req)));
      },
      coordinateMany: async (peer, reqs) => {
        this.reachable(peer, 'coordinate');
        this.calls.push({ op: 'coordinate', from, to: peer.id, entries: reqs.length, bytes: 0 });
        return (await this.node(peer.id).coordinateForwardedMany(reqs)).map(coordinateReplyOf);
      },
    };
  }

  private reachable(peer: PeerRef, op: Call['op']): void {
    const fault = this.faults.get(peer.id);
    if (fault === 'silent') throw new TransportError('unknown', `${peer.id} does not answer (timed out)`);
    if (fault === 'refuse' || (fault === 'refuse-replicate' && op === 'replicate')) throw new TransportError('not-sent', 'ECONNREFUSED');
  }
}
