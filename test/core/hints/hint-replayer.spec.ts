import { describe, expect, it } from 'vitest';
import { HintQueue } from '../../../src/core/hints/hint-queue.js';
import { HINT_BATCH_ENTRIES, HINT_REPLAY_TIMEOUT_MS, HintReplayer } from '../../../src/core/hints/hint-replayer.js';
import { EventBus } from '../../../src/core/events.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import type { MemberState } from '../../../src/core/membership/member-table.js';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { T0, item } from '../store/fixtures.js';

/** Records every replicate call; targets in `down` refuse. */
class RecordingTransport implements ReplicationTransport {
  readonly calls: { to: string; source: string; keys: string[] }[] = [];
  readonly down = new Set<string>();
  async replicate(peer: { id: string }, source: string, entries: Entry[]) {
    this.calls.push({ to: peer.id, source, keys: entries.map((e) => e.key) });
    if (this.down.has(peer.id)) throw new TransportError('not-sent', 'ECONNREFUSED');
    return entries.map(() => 'applied' as const);
  }
  read = () => Promise.reject(new Error('unused'));
  coordinate = () => Promise.reject(new Error('unused'));
  coordinateMany = () => Promise.reject(new Error('unused'));
}

function setup(states: Record<string, MemberState>, maxBatchBytes = 1 << 20) {
  const clock = new ManualClock(T0);
  const counters = new CoreCounters(new StatsRecorder());
  const queue = new HintQueue({ ttlMs: 30_000, maxPerNode: 10_000, maxBytes: 64 << 20 }, clock, counters);
  const members = new MemberTable('n1', 'n1:7946', new EventBus());
  for (const [id, State] of Object.entries(states)) members.set({ ID: id, Address: `${id}:7946`, State, Incarnation: 1 });
  const transport = new RecordingTransport();
  const scheduler = new ManualScheduler(clock);
  const replayer = new HintReplayer({ queue, members, transport: () => transport, maxBatchBytes, scheduler });
  return { clock, scheduler, counters, queue, members, transport, replayer };
}

describe('HintReplayer (docs/cluster.md §8.2)', () => {
  it('delivers an alive target\'s hints in FIFO order with replicate source "hint", in batches', async () => {
    const { queue, transport, replayer, counters } = setup({ n2: 'alive' });
    const keys = Array.from({ length: HINT_BATCH_ENTRIES + 5 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (const k of keys) queue.enqueue('n2', item(k, 'v', 1), 'replication');
    expect(await replayer.tick()).toBe(keys.length);
    expect(transport.calls.map((c) => c.keys.length)).toEqual([HINT_BATCH_ENTRIES, 5]);
    expect(transport.calls.every((c) => c.source === 'hint' && c.to === 'n2')).toBe(true);
    expect(transport.calls.flatMap((c) => c.keys)).toEqual(keys);
    expect(queue.pending).toBe(0);
    expect(counters.hintsReplayed.replication).toBe(keys.length);
  });

  it('splits batches by bytes so a message stays under the peer limit', async () => {
    const { queue, transport, replayer } = setup({ n2: 'alive' }, 25);
    for (const k of ['a', 'b', 'c']) queue.enqueue('n2', item(k, '123456789', 1), 'replication'); // 10 bytes each
    await replayer.tick();
    expect(transport.calls.map((c) => c.keys)).toEqual([['a', 'b'], ['c']]);
  });

  it('keeps hints whose delivery failed and delivers them on a later tick', async () => {
    const { queue, transport, replayer, counters } = setup({ n2: 'alive' });
    queue.enqueue('n2', item('a', 'v', 1), 'migration');
    transport.down.add('n2');
    expect(await replayer.tick()).toBe(0);
    expect(queue.pending).toBe(1);
    transport.down.clear();
    expect(await replayer.tick()).toBe(1);
    expect(queue.pending).toBe(0);
    expect(counters.dist.MigrationHintReplayed).toBe(1);
  });

  it('skips suspect, dead and unknown targets, and drops hints for leaving targets (member_leaving)', async () => {
    const { queue, transport, replayer, counters } = setup({ n2: 'suspect', n3: 'dead', n4: 'leaving' });
    for (const t of ['n2', 'n3', 'n4', 'n9']) queue.enqueue(t, item('a', 'v', 1), 'replication');
    await replayer.tick();
    expect(transport.calls).toEqual([]);
    expect(queue.targets().sort()).toEqual(['n2', 'n3', 'n9']);
    expect(counters.hintsDropped.member_leaving).toBe(1);
  });

  it('drops expired hints before replaying', async () => {
    const { queue, clock, transport, replayer, counters } = setup({ n2: 'alive' });
    queue.enqueue('n2', item('a', 'v', 1), 'replication');
    clock.advance(30_000);
    await replayer.tick();
    expect(transport.calls).toEqual([]);
    expect(counters.dist.HintedExpired).toBe(1);
  });

  it('flush delivers to alive targets, then drops the rest with reason shutdown', async () => {
    const { queue, clock, transport, replayer, counters } = setup({ n2: 'alive', n3: 'dead' });
    queue.enqueue('n2', item('a', 'v', 1), 'handoff');
    queue.enqueue('n3', item('b', 'v', 1), 'replication');
    const dropped = await replayer.flush(clock.now() + 5_000, () => clock.now());
    expect(dropped).toBe(1);
    expect(transport.calls.map((c) => c.to)).toEqual(['n2']);
    expect(counters.hintsReplayed.handoff).toBe(1);
    expect(counters.hintsDropped.shutdown).toBe(1);
    expect(queue.pending).toBe(0);
  });

  it('flush retries an unreachable alive target every retryMs and gives up at the deadline (manual time)', async () => {
    const { queue, clock, scheduler, transport, replayer } = setup({ n2: 'alive' });
    queue.enqueue('n2', item('a', 'v', 1), 'replication');
    transport.down.add('n2');
    const start = clock.now();
    expect(await scheduler.drive(replayer.flush(start + 150, () => clock.now(), 20), 10, 1_000)).toBe(1);
    // Attempts at 0, 20, ..., 140 ms; the one at 150 ms finds the deadline reached.
    expect(transport.calls.length).toBe(8);
    expect(clock.now() - start).toBe(150);
    expect(scheduler.pendingTimers).toBe(0);
  });

  it('a call that never answers fails at the 2 s replay deadline (the transport cannot hold a delivery), and the hint stays queued', async () => {
    const { queue, clock, scheduler, transport, replayer } = setup({ n2: 'alive' });
    queue.enqueue('n2', item('a', 'v', 1), 'replication');
    transport.replicate = async () => new Promise<never>(() => {});
    const start = clock.now();
    const tick = replayer.tick();
    let done = false;
    void tick.then(() => (done = true));
    scheduler.advance(HINT_REPLAY_TIMEOUT_MS);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // still waiting at 2 000 ms of manual time
    expect(await scheduler.drive(tick, 10, 1_000)).toBe(0);
    expect(clock.now() - start).toBe(HINT_REPLAY_TIMEOUT_MS + 50); // the core deadline's 50 ms margin over the peer timeout
    expect(queue.pending).toBe(1);
  });
});
