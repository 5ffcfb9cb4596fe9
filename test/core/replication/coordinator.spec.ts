import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError } from '../../../src/core/errors.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import type { Entry } from '../../../src/core/store/entry.js';
import { T0 } from '../store/fixtures.js';
import { within } from '../../support/poll.js';
import { type ReplicationNet, replicationNet } from './replication-net.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

type MemoryNetwork = ReplicationNet;
const cluster = (ids: string[], replication: number): MemoryNetwork => replicationNet(hash, ids, replication);

const node = (net: MemoryNetwork, id: string) => net.nodes.get(id)!;
const put = (key: string, value: string, more: Record<string, unknown> = {}) => ({ key, value: Buffer.from(value), ttlMs: 0, consistency: 'quorum' as const, ...more });

async function rejection(p: Promise<unknown>): Promise<CacheError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CacheError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A key whose owners (RF 2 on 4 nodes) exclude `entry`. */
function keyNotOwnedBy(net: MemoryNetwork, entry: string): { key: string; owners: string[] } {
  for (let i = 0; ; i++) {
    const owners = node(net, entry).owners(`k${i}`);
    if (!owners.includes(entry)) return { key: `k${i}`, owners };
  }
}

describe('coordinator: writes (docs/cluster.md §4)', () => {
  const ids = ['node-1', 'node-2', 'node-3'];

  it('replicates to every other owner in parallel and answers at quorum', async () => {
    const net = cluster(ids, 3);
    const primary = node(net, 'node-1').owners('a')[0]!;
    const out = await node(net, primary).put(put('a', 'v1'));
    expect(out.n).toBe(3);
    expect(out.acks).toBe(2);
    expect(out.owners.sort()).toEqual(ids);
    await within('every owner to hold v1', 2000, () => ids.every((id) => node(net, id).store.read('a')?.value.toString() === 'v1'), 1).catch(() => undefined);
    for (const id of ids) expect(node(net, id).store.read('a')?.value.toString()).toBe('v1');
    const d = node(net, primary).counters.dist;
    expect(d).toMatchObject({ WriteAttempts: 1, WriteAcks: 2, ReplicaFanoutSet: 2, ForwardSet: 0 });
    expect(net.calls.filter((c) => c.op === 'replicate').every((c) => c.source === 'replication')).toBe(true);
  });

  it('an owner that is not the first candidate coordinates unconditional writes itself; ALL waits for every owner; deletes fan out as ReplicaFanoutRemove', async () => {
    const net = cluster(ids, 3);
    const [primary, second] = node(net, 'node-1').owners('a') as [string, string];
    expect((await node(net, second).put(put('a', 'v1', { consistency: 'all' }))).acks).toBe(3);
    const del = await node(net, second).delete({ key: 'a', consistency: 'all' });
    expect(del.acks).toBe(3);
    for (const id of ids) expect(node(net, id).store.peek('a')?.kind).toBe('tombstone');
    expect(node(net, 'node-1').store.peek('a')?.origin).toBe(second);
    expect(net.calls.filter((c) => c.op === 'coordinate')).toEqual([]);
    expect(net.calls.filter((c) => c.op === 'replicate').map((c) => c.to).sort()).toEqual(ids.filter((id) => id !== second).flatMap((id) => [id, id]).sort());
    expect(node(net, second).counters.dist).toMatchObject({ ForwardSet: 0, ForwardRemove: 0, WriteAttempts: 2, ReplicaFanoutSet: 2, ReplicaFanoutRemove: 2 });
    expect(node(net, primary).counters.dist).toMatchObject({ WriteAttempts: 0 });
  });

  it('a conditional write from an owner that is not the first candidate still goes to the first candidate', async () => {
    const net = cluster(ids, 3);
    const [primary, second] = node(net, 'node-1').owners('a') as [string, string];
    const created = await node(net, second).put(put('a', 'v1', { preconditions: { ifNoneMatchAny: true } }));
    const replaced = await node(net, second).put(put('a', 'v2', { preconditions: { ifMatch: [created.version] } }));
    const refused = await rejection(node(net, second).put(put('a', 'v3', { preconditions: { ifNoneMatchAny: true } })));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.details.version).toBe(replaced.version);
    await node(net, second).delete({ key: 'a', consistency: 'quorum', preconditions: { ifMatch: '*' } });
    expect(net.calls.filter((c) => c.op === 'coordinate').map((c) => c.to)).toEqual([primary, primary, primary, primary]);
    expect(node(net, second).counters.dist).toMatchObject({ ForwardSet: 3, ForwardRemove: 1, WriteAttempts: 0 });
    expect(node(net, primary).counters.dist).toMatchObject({ WriteAttempts: 3, PreconditionFailures: 1 });
    expect(node(net, primary).store.peek('a')).toMatchObject({ kind: 'tombstone', origin: primary });
  });

  it('concurrent unconditional writes coordinated by two owners converge on the (version, origin) winner on every owner', async () => {
    const net = cluster(ids, 3);
    const converged = (key: string) => ids.map((id) => node(net, id).store.peek(key)).map((e) => e && { value: e.kind === 'item' ? e.value.toString() : 'tombstone', version: e.version, origin: e.origin });
    // Same wall time on both: equal versions, the larger origin wins.
    const [tieLow, tieHigh] = await Promise.all([node(net, 'node-2').put(put('a', 'from-2')), node(net, 'node-3').put(put('a', 'from-3'))]);
    expect(tieLow.version).toBe(tieHigh.version);
    await within('every owner to settle on node-3\'s write', 2000, () => converged('a').every((e) => e?.origin === 'node-3'), 1);
    expect(new Set(converged('a').map((e) => JSON.stringify(e))).size).toBe(1);
    expect(converged('a')[0]).toMatchObject({ value: 'from-3', origin: 'node-3' });
    // node-2's clock ahead: its larger version wins over the larger origin, a delete included.
    net.clocks.get('node-2')!.advance(5);
    const [later, earlier] = await Promise.all([node(net, 'node-2').delete({ key: 'b', consistency: 'quorum' }), node(net, 'node-3').put(put('b', 'from-3'))]);
    expect(later.version).toBeGreaterThan(earlier.version);
    await within('every owner to settle on node-2\'s delete', 2000, () => converged('b').every((e) => e?.origin === 'node-2'), 1);
    expect(converged('b')).toEqual(ids.map(() => ({ value: 'tombstone', version: later.version, origin: 'node-2' })));
    expect(net.calls.filter((c) => c.op === 'coordinate')).toEqual([]);
  });

  it('two owners down → QUORUM_NOT_MET with 1/3 acks, nothing rolled back', async () => {
    const net = cluster(ids, 3);
    net.faults.set('node-2', 'refuse');
    net.faults.set('node-3', 'lost');
    const err = await rejection(node(net, 'node-1').put(put('a', 'v1')));
    expect(err.code).toBe('QUORUM_NOT_MET');
    expect(err.message).toBe('write quorum not met: 1 of 2 acks');
    expect(err.details).toMatchObject({ acks: 1, n: 3 });
    expect(node(net, 'node-1').store.read('a')?.value.toString()).toBe('v1');
    expect(node(net, 'node-1').counters.dist.WriteQuorumFailures).toBe(1);
  });

  it('a replica that never answers is bounded by the 2 s replicate timeout', async () => {
    const net = cluster(ids, 3);
    net.faults.set('node-3', 'hang');
    expect((await node(net, 'node-1').put(put('a', 'v1'))).acks).toBe(2);
    const started = Date.now();
    const err = await rejection(node(net, 'node-1').put(put('b', 'v1', { consistency: 'all' })));
    expect(err.details).toMatchObject({ acks: 2, n: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('"already newer" counts as an ack', async () => {
    const net = cluster(ids, 3);
    for (const id of ['node-2', 'node-3']) {
      node(net, id).store.apply({ kind: 'item', key: 'a', value: Buffer.from('future'), version: 9e15, origin: 'node-9', updatedAt: T0, expiresAt: 0 }, 'hard', 'replication');
    }
    expect((await node(net, 'node-1').put(put('a', 'v1', { consistency: 'all' }))).acks).toBe(3);
  });

  describe('forwarding from a non-owner (RF 2 on 4 nodes)', () => {
    const four = ['node-1', 'node-2', 'node-3', 'node-4'];

    it('forwards to the first candidate and relays its answer', async () => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      const out = await node(net, 'node-1').put(put(key, 'x'));
      expect(out.owners).toEqual(owners);
      expect(out.acks).toBe(2);
      expect(node(net, owners[0]!).counters.dist.WriteAttempts).toBe(1);
      expect(node(net, 'node-1').counters.dist).toMatchObject({ ForwardSet: 1, WriteAttempts: 0, WriteForwardPromotion: 0 });
      expect(node(net, 'node-1').store.peek(key)).toBeUndefined();
      await node(net, 'node-1').delete({ key, consistency: 'quorum' });
      expect(net.calls.filter((c) => c.op === 'coordinate').map((c) => c.to)).toEqual([owners[0], owners[0]]);
      expect(node(net, 'node-1').counters.dist).toMatchObject({ ForwardRemove: 1, WriteAttempts: 0 });
    });

    it.each(['refuse', 'lost'] as const)('primary %s → the unconditional write is promoted to the next owner', async (fault) => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      net.faults.set(owners[0]!, fault);
      const err = await rejection(node(net, 'node-1').put(put(key, 'x')));
      // The promoted coordinator still needs the failed primary's ack for quorum of 2.
      expect(err.code).toBe('QUORUM_NOT_MET');
      expect(err.details).toMatchObject({ acks: 1, n: 2, owners });
      expect(node(net, owners[1]!).counters.dist.WriteAttempts).toBe(1);
      expect(node(net, 'node-1').counters.dist.WriteForwardPromotion).toBe(1);
      expect((await node(net, 'node-1').put(put(key, 'y', { consistency: 'one' }))).acks).toBe(1);
    });

    it('a conditional write whose outcome is unknown → UNAVAILABLE, never retried', async () => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      net.faults.set(owners[0]!, 'lost');
      const err = await rejection(node(net, 'node-1').put(put(key, 'x', { preconditions: { ifNoneMatchAny: true } })));
      expect(err.code).toBe('UNAVAILABLE');
      expect(node(net, owners[1]!).counters.dist.WriteAttempts).toBe(0);
    });

    it('a conditional write refused before sending is promoted; 412 is relayed with the version', async () => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      const first = await node(net, 'node-1').put(put(key, 'x'));
      net.faults.set(owners[0]!, 'refuse');
      const err = await rejection(node(net, 'node-1').put(put(key, 'y', { consistency: 'one', preconditions: { ifNoneMatchAny: true } })));
      expect(err.code).toBe('PRECONDITION_FAILED');
      expect(err.details.version).toBe(first.version);
    });

    it('a draining coordinator moves on; no candidate left → UNAVAILABLE', async () => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      node(net, owners[0]!).drain();
      // drain() takes self off its own ring; the entry node still sees it as an owner.
      const out = await node(net, 'node-1').put(put(key, 'x', { consistency: 'one' }));
      expect(out.acks).toBeGreaterThanOrEqual(1);
      expect(node(net, 'node-1').counters.dist.WriteForwardPromotion).toBe(1);
      net.faults.set(owners[1]!, 'refuse');
      expect((await rejection(node(net, 'node-1').put(put(key, 'z')))).code).toBe('UNAVAILABLE');
    });

    it('suspect owners are tried after alive ones', async () => {
      const net = cluster(four, 2);
      const { key, owners } = keyNotOwnedBy(net, 'node-1');
      node(net, 'node-1').members.set({ ID: owners[0]!, Address: `${owners[0]}:7946`, State: 'suspect', Incarnation: 1 });
      await node(net, 'node-1').put(put(key, 'x', { consistency: 'one' }));
      expect(net.calls.filter((c) => c.op === 'coordinate').map((c) => c.to)).toEqual([owners[1]]);
    });
  });
});

describe('coordinator: reads (docs/cluster.md §5)', () => {
  const ids = ['node-1', 'node-2', 'node-3'];
  const item = (key: string, value: string, version: number, origin = 'node-1'): Entry =>
    ({ kind: 'item', key, value: Buffer.from(value), version, origin, updatedAt: T0, expiresAt: 0 });

  it('ONE at an owner answers locally; ONE at a non-owner reads the first candidate with promotion', async () => {
    const net = cluster(['node-1', 'node-2', 'node-3', 'node-4'], 2);
    const { key, owners } = keyNotOwnedBy(net, 'node-1');
    await node(net, 'node-1').put(put(key, 'x'));
    expect((await node(net, owners[0]!).get(key, 'one'))?.value.toString()).toBe('x');
    expect((await node(net, 'node-1').get(key, 'one'))?.value.toString()).toBe('x');
    expect(node(net, 'node-1').counters.dist).toMatchObject({ ForwardGet: 1, ReadPrimaryPromote: 0 });
    net.faults.set(owners[0]!, 'refuse');
    expect((await node(net, 'node-1').get(key, 'one'))?.value.toString()).toBe('x');
    expect(node(net, 'node-1').counters.dist.ReadPrimaryPromote).toBe(1);
    net.faults.set(owners[1]!, 'lost');
    expect((await rejection(node(net, 'node-1').get(key, 'one'))).code).toBe('UNAVAILABLE');
  });

  it('QUORUM picks the newest by (version, origin) and repairs stale owners softly', async () => {
    const net = cluster(ids, 3);
    node(net, 'node-1').store.apply(item('a', 'old', 100), 'hard', 'replication');
    node(net, 'node-2').store.apply(item('a', 'new', 200), 'hard', 'replication');
    const got = await node(net, 'node-1').get('a', 'all');
    expect(got?.value.toString()).toBe('new');
    await within('the read repair to reach every owner', 2000, () => ids.every((id) => node(net, id).store.read('a')?.value.toString() === 'new'), 1).catch(() => undefined);
    for (const id of ids) expect(node(net, id).store.read('a')?.value.toString()).toBe('new');
    const d = node(net, 'node-1').counters.dist;
    expect(d.VersionConflicts).toBe(1);
    expect(d.VersionTieBreaks).toBe(0);
    expect(d.ReadRepair).toBe(1);
    expect(net.calls.find((c) => c.op === 'replicate')?.source).toBe('repair');
  });

  it('equal versions are decided by the larger origin (VersionTieBreaks)', async () => {
    const net = cluster(ids, 3);
    node(net, 'node-2').store.apply(item('a', 'from-a', 300, 'node-a'), 'hard', 'replication');
    node(net, 'node-3').store.apply(item('a', 'from-b', 300, 'node-b'), 'hard', 'replication');
    expect((await node(net, 'node-1').get('a', 'all'))?.value.toString()).toBe('from-b');
    expect(node(net, 'node-1').counters.dist).toMatchObject({ VersionConflicts: 1, VersionTieBreaks: 1 });
  });

  it('a newest tombstone reads as missing; too few responses → QUORUM_NOT_MET', async () => {
    const net = cluster(ids, 3);
    await node(net, 'node-1').put(put('a', 'x', { consistency: 'all' }));
    await node(net, 'node-2').delete({ key: 'a', consistency: 'one' });
    expect(await node(net, 'node-3').get('a', 'all')).toBeUndefined();
    net.faults.set('node-2', 'refuse');
    net.faults.set('node-3', 'lost');
    const err = await rejection(node(net, 'node-1').get('a', 'quorum'));
    expect(err.code).toBe('QUORUM_NOT_MET');
    expect(err.message).toBe('read quorum not met: 1 of 2 responses');
    expect(node(net, 'node-1').counters.dist.ReadQuorumFailures).toBe(1);
  });
});

describe('coordinator: the quorum floor (docs/cluster.md §3.1)', () => {
  const ids = ['node-1', 'node-2', 'node-3'];
  const declare = (net: MemoryNetwork, on: string, id: string, State: 'dead' | 'leaving' | 'suspect') =>
    node(net, on).members.set({ ID: id, Address: `${id}:7946`, State, Incarnation: 1 });

  it('a collapsed view (both peers just declared dead, still retained) answers QUORUM_NOT_MET 1/3 instead of acknowledging alone', async () => {
    const net = cluster(ids, 3);
    declare(net, 'node-1', 'node-2', 'dead');
    declare(net, 'node-1', 'node-3', 'dead');
    expect(node(net, 'node-1').owners('a')).toEqual(['node-1']);
    const err = await rejection(node(net, 'node-1').put(put('a', 'v1')));
    expect(err.code).toBe('QUORUM_NOT_MET');
    expect(err.details).toMatchObject({ acks: 1, n: 3, owners: ['node-1'] });
    const del = await rejection(node(net, 'node-1').delete({ key: 'a', consistency: 'quorum' }));
    expect(del.details).toMatchObject({ acks: 1, n: 3 });
    // ONE still succeeds, and says how few copies it has: 1/3.
    const one = await node(net, 'node-1').put(put('b', 'v1', { consistency: 'one' }));
    expect({ acks: one.acks, n: one.n }).toEqual({ acks: 1, n: 3 });
    // Nothing was sent to the dead members.
    expect(net.calls.filter((c) => c.op === 'replicate')).toEqual([]);
  });

  it('one of three dead: QUORUM shows 2/3 (not 2/2); ALL cannot succeed until the member returns or is forgotten', async () => {
    const net = cluster(ids, 3);
    declare(net, 'node-1', 'node-3', 'dead');
    const q = await node(net, 'node-1').put(put('a', 'v1'));
    expect({ acks: q.acks, n: q.n }).toEqual({ acks: 2, n: 3 });
    const all = await rejection(node(net, 'node-1').put(put('a', 'v2', { consistency: 'all' })));
    expect(all.code).toBe('QUORUM_NOT_MET');
    expect(all.details).toMatchObject({ acks: 2, n: 3 });
    // Forgotten (60 s after the transition): the floor follows the smaller membership.
    node(net, 'node-1').members.remove('node-3');
    const after = await node(net, 'node-1').put(put('a', 'v3', { consistency: 'all' }));
    expect({ acks: after.acks, n: after.n }).toEqual({ acks: 2, n: 2 });
  });

  it('a leaving record counts toward the floor like a dead one; suspect members stay owners', async () => {
    const net = cluster(ids, 3);
    declare(net, 'node-1', 'node-2', 'leaving');
    declare(net, 'node-1', 'node-3', 'dead');
    expect((await rejection(node(net, 'node-1').put(put('a', 'v1')))).details).toMatchObject({ n: 3 });
    const fresh = cluster(ids, 3);
    declare(fresh, 'node-1', 'node-3', 'suspect');
    const out = await node(fresh, 'node-1').put(put('a', 'v1'));
    expect(out.owners.sort()).toEqual(ids);
    expect(out.n).toBe(3);
  });

  it('RF larger than the cluster floors at the members known; a lone node acknowledges alone', async () => {
    const net = cluster(['node-1', 'node-2'], 3);
    declare(net, 'node-1', 'node-2', 'dead');
    expect((await rejection(node(net, 'node-1').put(put('a', 'v1')))).details).toMatchObject({ acks: 1, n: 2 });
    const lone = cluster(['node-1'], 3);
    const out = await node(lone, 'node-1').put(put('a', 'v1'));
    expect({ acks: out.acks, n: out.n }).toEqual({ acks: 1, n: 1 });
  });

  it('reads at QUORUM and ALL count the floored n; ONE answers from the local copy', async () => {
    const net = cluster(ids, 3);
    await node(net, 'node-1').put(put('a', 'x', { consistency: 'all' }));
    declare(net, 'node-1', 'node-2', 'dead');
    declare(net, 'node-1', 'node-3', 'dead');
    const q = await rejection(node(net, 'node-1').get('a', 'quorum'));
    expect(q.code).toBe('QUORUM_NOT_MET');
    expect(q.message).toBe('read quorum not met: 1 of 2 responses');
    expect((await node(net, 'node-1').get('a', 'one'))?.value.toString()).toBe('x');
    // One peer back: QUORUM (2 of n 3) is met, ALL (3) is not.
    declare(net, 'node-1', 'node-2', 'suspect');
    expect((await node(net, 'node-1').get('a', 'quorum'))?.value.toString()).toBe('x');
    expect((await rejection(node(net, 'node-1').get('a', 'all'))).message).toBe('read quorum not met: 2 of 3 responses');
  });
});
