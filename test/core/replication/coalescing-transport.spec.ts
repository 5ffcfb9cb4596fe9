import { describe, expect, it } from 'vitest';
import { CoreCounters } from '../../../src/core/metrics/core-counters.js';
import { COALESCE_MAX_ITEMS, CoalescingTransport } from '../../../src/core/replication/coalescing-transport.js';
import { StatsRecorder } from '../../../src/core/stats/stats-recorder.js';
import { type ReplicationTransport, TransportError } from '../../../src/core/replication/transport.js';
import type { Entry } from '../../../src/core/store/entry.js';
import type { CoordinateReply, CoordinateRequest } from '../../../src/core/replication/wire.js';
import { systemScheduler } from '../../../src/core/time/scheduler.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { item } from '../store/fixtures.js';

/** Records every call that reaches the peer; `fail` makes the next calls to a peer reject. */
function recording() {
  const calls: { op: string; to: string; source?: string; size: number }[] = [];
  const fail = new Set<string>();
  const inner: ReplicationTransport = {
    replicate: async (peer, source, entries) => {
      calls.push({ op: 'replicate', to: peer.id, source, size: entries.length });
      if (fail.has(peer.id)) throw new TransportError('unknown', 'timed out');
      return entries.map((e) => (e.version % 2 === 0 ? 'stale' : 'applied'));
    },
    read: async (peer, keys) => {
      calls.push({ op: 'read', to: peer.id, size: keys.length });
      return keys.map((k): Entry | undefined => (k.startsWith('miss') ? undefined : item(k, `v-${k}`, 1)));
    },
    coordinate: async (peer, req) => {
      calls.push({ op: 'coordinate', to: peer.id, size: 1 });
      return replyTo(req);
    },
    coordinateMany: async (peer, reqs) => {
      calls.push({ op: 'coordinateMany', to: peer.id, size: reqs.length });
      if (fail.has(peer.id)) throw new TransportError('unknown', 'timed out');
      return reqs.map(replyTo);
    },
  };
  return { calls, fail, inner };
}

/** Version = the key's length, so each caller can tell its own reply; keys starting with `d` answer DRAINING. */
function replyTo(req: CoordinateRequest): CoordinateReply {
  if (req.key.startsWith('d')) return { ok: false, status: 503, code: 'DRAINING', error: 'node is draining' };
  return { ok: true, version: req.key.length, acks: 1, n: 1, owners: [], expiresAt: 0 };
}

const p1 = { id: 'p1', address: 'p1:7946' };
const p2 = { id: 'p2', address: 'p2:7946' };

describe('CoalescingTransport', () => {
  it('turns concurrent single-entry replicates to one peer into one call, each caller getting its own result', async () => {
    const { calls, inner } = recording();
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const results = await Promise.all([
      t.replicate(p1, 'replication', [item('a', 'v', 1)], 2000),
      t.replicate(p1, 'replication', [item('b', 'v', 2)], 2000),
      t.replicate(p2, 'replication', [item('c', 'v', 3)], 2000),
      t.replicate(p1, 'repair', [item('d', 'v', 5)], 2000),
    ]);
    expect(results).toEqual([['applied'], ['stale'], ['applied'], ['applied']]);
    expect(calls).toEqual([
      { op: 'replicate', to: 'p1', source: 'replication', size: 2 },
      { op: 'replicate', to: 'p2', source: 'replication', size: 1 },
      { op: 'replicate', to: 'p1', source: 'repair', size: 1 },
    ]);
  });

  it('tells its observer every coalesced replicate message: read repairs that shared one are counted', async () => {
    const { inner } = recording();
    const counters = new CoreCounters(new StatsRecorder());
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler, counters);
    await Promise.all([
      t.replicate(p1, 'repair', [item('a', 'v', 1)], 2000),
      t.replicate(p1, 'repair', [item('b', 'v', 1)], 2000),
      t.replicate(p1, 'repair', [item('c', 'v', 1)], 2000),
      t.replicate(p2, 'repair', [item('d', 'v', 1)], 2000),
      t.replicate(p1, 'replication', [item('e', 'v', 1)], 2000),
      t.replicate(p1, 'replication', [item('f', 'v', 1)], 2000),
    ]);
    // p1's three repairs went as one message (two joined it); p2's alone; replication is not repair.
    expect(counters.dist.ReadRepairBatched).toBe(3);
    expect(counters.dist.ReadRepairCoalesced).toBe(2);
  });

  it('a failed call fails every write in it (each then gets its own hint), and nothing else', async () => {
    const { fail, inner } = recording();
    fail.add('p1');
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const settled = await Promise.allSettled([
      t.replicate(p1, 'replication', [item('a', 'v', 1)], 2000),
      t.replicate(p1, 'replication', [item('b', 'v', 1)], 2000),
      t.replicate(p2, 'replication', [item('c', 'v', 1)], 2000),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(TransportError);
  });

  it('cuts batches at COALESCE_MAX_ITEMS and at the byte budget', async () => {
    const { calls, inner } = recording();
    const wide = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const many = Array.from({ length: COALESCE_MAX_ITEMS + 1 }, (_, i) => wide.replicate(p1, 'replication', [item(`k${i}`, '', 1)], 2000));
    await Promise.all(many);
    expect(calls.map((c) => c.size)).toEqual([COALESCE_MAX_ITEMS, 1]);
    calls.length = 0;
    const t = new CoalescingTransport(inner, 100, systemScheduler);
    await Promise.all([0, 1, 2].map((i) => t.replicate(p1, 'replication', [item(`b${i}`, 'x'.repeat(39), 1)], 2000))); // 42 bytes each
    expect(calls.map((c) => c.size)).toEqual([2, 1]);
  });

  it('a batch collects until the event-loop turn ends: run by hand on the manual scheduler', async () => {
    const { calls, inner } = recording();
    const scheduler = new ManualScheduler();
    const t = new CoalescingTransport(inner, 1 << 20, scheduler);
    const first = [t.replicate(p1, 'replication', [item('a', 'v', 1)], 2000), t.read(p1, ['b'], 2000)];
    await new Promise<void>((r) => setImmediate(r)); // real turns pass; the manual turn has not ended
    first.push(t.replicate(p1, 'replication', [item('c', 'v', 1)], 2000));
    expect(calls).toEqual([]);
    expect(scheduler.pendingDeferred).toBe(2); // one flush per open batch: replicate to p1, read from p1
    expect(scheduler.runDeferred()).toBe(2);
    const second = t.replicate(p1, 'replication', [item('d', 'v', 1)], 2000);
    await Promise.all(first);
    expect(calls).toEqual([
      { op: 'replicate', to: 'p1', source: 'replication', size: 2 },
      { op: 'read', to: 'p1', size: 1 },
    ]);
    expect(scheduler.runDeferred()).toBe(1);
    expect(await second).toEqual(['applied']);
    expect(calls.slice(2)).toEqual([{ op: 'replicate', to: 'p1', source: 'replication', size: 1 }]);
  });

  it('on the system scheduler, calls in different event-loop turns travel separately', async () => {
    const { calls, inner } = recording();
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const a = t.replicate(p1, 'replication', [item('a', 'v', 1)], 2000);
    await new Promise<void>((r) => setImmediate(r));
    await Promise.all([a, t.replicate(p1, 'replication', [item('b', 'v', 1)], 2000), t.replicate(p1, 'replication', [item('c', 'v', 1)], 2000)]);
    expect(calls.map((c) => c.size)).toEqual([1, 2]);
  });

  it('coalesces single-key reads per peer; multi-entry calls pass straight through', async () => {
    const { calls, inner } = recording();
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const [a, miss, batch] = await Promise.all([
      t.read(p1, ['a'], 2000),
      t.read(p1, ['miss-1'], 2000),
      t.replicate(p2, 'migration', [item('x', 'v', 1), item('y', 'v', 1)], 2000),
    ]);
    expect(a[0]?.key).toBe('a');
    expect(miss).toEqual([undefined]);
    expect(batch).toEqual(['applied', 'applied']);
    expect(calls).toEqual([
      { op: 'replicate', to: 'p2', source: 'migration', size: 2 },
      { op: 'read', to: 'p1', size: 2 },
    ]);
  });

  it('sends a lone coordinate as the single-operation call, and the coordinates of one turn to one peer as one call', async () => {
    const { calls, inner } = recording();
    const t = new CoalescingTransport(inner, 1 << 20, systemScheduler);
    const del = (key: string): CoordinateRequest => ({ op: 'delete', key, ttlMs: 0, consistency: 'one' });
    expect(await t.coordinate(p1, del('k'), 5000)).toMatchObject({ ok: true, version: 1 });
    const replies = await Promise.all([t.coordinate(p1, del('kk'), 5000), t.coordinate(p2, del('k'), 5000), t.coordinate(p1, del('dk'), 5000), t.coordinate(p1, del('kkkk'), 5000)]);
    expect(replies).toEqual([
      expect.objectContaining({ ok: true, version: 2 }),
      expect.objectContaining({ ok: true, version: 1 }),
      expect.objectContaining({ ok: false, code: 'DRAINING' }),
      expect.objectContaining({ ok: true, version: 4 }),
    ]);
    expect(calls).toEqual([
      { op: 'coordinate', to: 'p1', size: 1 },
      { op: 'coordinateMany', to: 'p1', size: 3 },
      { op: 'coordinate', to: 'p2', size: 1 },
    ]);
  });

  it('cuts coalesced coordinates at the byte budget and fails every caller of a failed call', async () => {
    const { calls, fail, inner } = recording();
    const t = new CoalescingTransport(inner, 250, systemScheduler);
    const put = (key: string): CoordinateRequest => ({ op: 'put', key, value: Buffer.alloc(100), ttlMs: 0, consistency: 'quorum' });
    const replies = await Promise.all(['a', 'b', 'c', 'e', 'f'].map((k) => t.coordinate(p1, put(k), 5000)));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(calls.map((c) => c.size)).toEqual([2, 2, 1]);
    fail.add('p1');
    const settled = await Promise.allSettled([t.coordinate(p1, put('x'), 5000), t.coordinate(p1, put('y'), 5000)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});
