import { beforeAll, describe, expect, it } from 'vitest';
import { CacheNode } from '../../../src/core/node.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { ReplicateResult } from '../../../src/core/replication/wire.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { SeededRandom } from '../../../src/core/time/random.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { testConfig } from '../../support/test-config.js';
import { T0, item } from '../store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const HINT_REPLAY_MS = 200;

/**
 * A peer network where a peer can be silent: its calls stay pending until the test ends them (a
 * thawed node whose new connections still wait in its accept queue, a black-holed address). Every
 * other peer answers at once.
 */
class SilentPeers implements ReplicationTransport {
  readonly delivered: Array<{ to: string; keys: string[] }> = [];
  readonly silent = new Set<string>();
  private readonly held: Array<(err: Error) => void> = [];

  replicate(peer: PeerRef, _source: string, entries: Entry[]): Promise<ReplicateResult[]> {
    if (this.silent.has(peer.id)) return new Promise((_, reject) => this.held.push(reject));
    this.delivered.push({ to: peer.id, keys: entries.map((e) => e.key) });
    return Promise.resolve(entries.map(() => 'applied' as const));
  }

  /** The held calls fail, as their deadline would make them. */
  timeOutHeld(): void {
    for (const reject of this.held.splice(0)) reject(new TransportError('unknown', 'timed out'));
  }

  read = () => Promise.reject(new Error('unused'));
  coordinate = () => Promise.reject(new Error('unused'));
  coordinateMany = () => Promise.reject(new Error('unused'));
}

function makeNode() {
  const scheduler = new ManualScheduler();
  const node = new CacheNode({
    config: testConfig({ nodeId: 'n1', advertiseAddr: 'n1:7946', hintReplayMs: HINT_REPLAY_MS }),
    clock: new ManualClock(T0),
    random: new SeededRandom(1),
    hash,
    scheduler,
  });
  const peers = new SilentPeers();
  node.useTransport(peers);
  node.start();
  return { node, scheduler, peers };
}

/** One HINT_REPLAY tick, then the microtasks and I/O callbacks it started. */
async function replayTick(scheduler: ManualScheduler): Promise<void> {
  scheduler.fire(HINT_REPLAY_MS);
  await new Promise((r) => setImmediate(r));
}

describe('hint replay reaches every live target (docs/cluster.md §8.1)', () => {
  it('a hint queued while its target was dead is delivered within 2 HINT_REPLAY ticks of its return, while another target stays silent', async () => {
    const { node, scheduler, peers } = makeNode();
    node.members.set({ ID: 'n2', Address: 'n2:7946', State: 'alive', Incarnation: 1 });
    node.members.set({ ID: 'n3', Address: 'n3:7946', State: 'dead', Incarnation: 1 });
    node.hints.enqueue('n2', item('for-n2', 'v', 1), 'replication');
    node.hints.enqueue('n3', item('for-n3', 'v', 1), 'replication');
    node.hints.enqueue('n3', item('moved-to-n3', 'v', 1), 'migration');

    // n2 is alive on the table but does not answer: its delivery stays in flight.
    peers.silent.add('n2');
    await replayTick(scheduler);
    expect(peers.delivered).toEqual([]);

    // n3 comes back (refuted with a higher incarnation) while n2's call is still pending.
    node.members.set({ ID: 'n3', Address: 'n3:7946', State: 'alive', Incarnation: 2 });
    for (let i = 0; i < 2; i++) await replayTick(scheduler);
    expect(peers.delivered).toEqual([{ to: 'n3', keys: ['for-n3', 'moved-to-n3'] }]);
    expect(node.hints.targets()).toEqual(['n2']);
    expect(node.counters.dist.HintedReplayed).toBe(2);
    expect(node.counters.dist.MigrationHintReplayed).toBe(1);

    // n2's pending call fails (its deadline); n2 answers again: its hint goes on the next tick.
    peers.timeOutHeld();
    peers.silent.delete('n2');
    await new Promise((r) => setImmediate(r));
    await replayTick(scheduler);
    expect(peers.delivered.at(-1)).toEqual({ to: 'n2', keys: ['for-n2'] });
    expect(node.hints.pending).toBe(0);
    node.stop();
  });

  it('a target with a delivery in flight gets no second, overlapping delivery', async () => {
    const { node, scheduler, peers } = makeNode();
    node.members.set({ ID: 'n2', Address: 'n2:7946', State: 'alive', Incarnation: 1 });
    node.hints.enqueue('n2', item('a', 'v', 1), 'replication');
    const calls: string[] = [];
    const replicate = peers.replicate.bind(peers);
    peers.replicate = (peer, source, entries) => {
      calls.push(peer.id);
      return replicate(peer, source, entries);
    };
    peers.silent.add('n2');
    for (let i = 0; i < 5; i++) await replayTick(scheduler);
    expect(calls).toEqual(['n2']);
    peers.timeOutHeld();
    await new Promise((r) => setImmediate(r));
    expect(node.hints.pending).toBe(1);
    await replayTick(scheduler);
    expect(calls).toEqual(['n2', 'n2']);
    node.stop();
  });
});
