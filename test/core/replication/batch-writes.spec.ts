import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError } from '../../../src/core/errors.js';
import type { PutCommand, WriteOutcome, WriteResult } from '../../../src/core/node.types.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { type ReplicationNet, replicationNet } from './replication-net.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const put = (key: string, consistency: PutCommand['consistency'] = 'quorum'): PutCommand => ({ key, value: Buffer.from(`v-${key}`), ttlMs: 0, consistency });
const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function ok(r: WriteResult | undefined): WriteOutcome {
  if (r === undefined || r instanceof Error) throw new Error(`expected an outcome, got ${String(r)}`);
  return r;
}

function failed(r: WriteResult | undefined): CacheError {
  if (!(r instanceof CacheError)) throw new Error(`expected a CacheError, got ${JSON.stringify(r)}`);
  return r;
}

/** Calls made by `from`, by op. */
const callsOf = (net: ReplicationNet, from: string, op: string) => net.calls.filter((c) => c.from === from && c.op === op);

describe('batch writes (docs/cluster.md §4.1)', () => {
  it('coordinates the owned items in one pass with one replicate per peer per owner set, and sends the others as one coordinate call per coordinator', async () => {
    const ids = ['node-1', 'node-2', 'node-3', 'node-4'];
    const net = replicationNet(hash, ids, 2, { coalescing: true });
    const entry = net.node('node-1');
    const all = keys(80);
    const results = await entry.putMany(all.map((k) => put(k)));

    const owned = all.filter((k) => entry.owners(k).includes('node-1'));
    const forwarded = all.filter((k) => !entry.owners(k).includes('node-1'));
    expect(owned.length).toBeGreaterThan(10);
    expect(forwarded.length).toBeGreaterThan(10);
    all.forEach((k, i) => {
      const out = ok(results[i]);
      expect(out.owners).toEqual(entry.owners(k));
      expect(out.acks).toBe(2);
      expect(out.n).toBe(2);
      for (const id of out.owners) expect(net.node(id).store.read(k)?.value.toString()).toBe(`v-${k}`);
    });

    // node-1's own items: per other owner, one replicate carrying all of that owner's items.
    const perPeer = new Map<string, number>();
    for (const k of owned) for (const id of entry.owners(k)) if (id !== 'node-1') perPeer.set(id, (perPeer.get(id) ?? 0) + 1);
    const replicates = callsOf(net, 'node-1', 'replicate');
    expect(replicates.map((c) => [c.to, c.size]).sort()).toEqual([...perPeer].sort());
    expect(replicates.every((c) => c.source === 'replication')).toBe(true);

    // The other items: one coordinate call per coordinator (the first owner), carrying all of its items.
    const perCoordinator = new Map<string, number>();
    for (const k of forwarded) perCoordinator.set(entry.owners(k)[0]!, (perCoordinator.get(entry.owners(k)[0]!) ?? 0) + 1);
    expect(callsOf(net, 'node-1', 'coordinate').map((c) => [c.to, c.size]).sort()).toEqual([...perCoordinator].sort());
    // Each coordinator in turn replicated its batch once per other owner.
    for (const [c, count] of perCoordinator) expect(callsOf(net, c, 'replicate').reduce((s, call) => s + call.size, 0)).toBe(count);

    // Counted per item, as single writes are.
    expect(entry.counters.dist).toMatchObject({ WriteAttempts: owned.length, ForwardSet: forwarded.length, ReplicaFanoutSet: owned.length, WriteAcks: 2 * owned.length });
    expect(entry.counters.cacheOps.get('put|ok')).toBe(all.length);
    const coordinated = ids.slice(1).reduce((s, id) => s + net.node(id).counters.dist.WriteAttempts, 0);
    expect(coordinated).toBe(forwarded.length);
  });

  it('with one owner down: every item still meets QUORUM, each failed copy is a hint; at ALL each item fails on its own with its version and acks', async () => {
    const ids = ['node-1', 'node-2', 'node-3'];
    const net = replicationNet(hash, ids, 3, { coalescing: true });
    net.faults.set('node-3', 'refuse');
    const entry = net.node('node-1');
    const quorum = await entry.putMany(keys(20).map((k) => put(k)));
    for (const r of quorum) expect(ok(r).acks).toBe(2);
    expect(entry.hints.hintsFor('node-3').length).toBe(20);
    expect(callsOf(net, 'node-1', 'replicate').map((c) => [c.to, c.size]).sort()).toEqual([['node-2', 20], ['node-3', 20]]);

    const all = await entry.putMany(keys(5, 'a').map((k) => put(k, 'all')));
    for (const r of all) {
      const err = failed(r);
      expect(err.code).toBe('QUORUM_NOT_MET');
      expect(err.details).toMatchObject({ acks: 2, n: 3 });
      expect(err.details.version).toBeGreaterThan(0);
    }
    expect(entry.hints.hintsFor('node-3').length).toBe(25);
    expect(entry.counters.dist).toMatchObject({ WriteAttempts: 25, WriteQuorumFailures: 5 });
    expect(entry.counters.replicationFailures.put).toBe(25);
    expect(entry.counters.cacheOps.get('put|quorum_not_met')).toBe(5);
  });

  it('keeps the quorum floor: a node whose peers are gone answers QUORUM_NOT_MET for each item it alone holds', async () => {
    const net = replicationNet(hash, ['node-1', 'node-2', 'node-3'], 3, { coalescing: true });
    const entry = net.node('node-1');
    for (const id of ['node-2', 'node-3']) entry.members.set({ ID: id, Address: `${id}:7946`, State: 'dead', Incarnation: 2 });
    const results = await entry.putMany(keys(4).map((k) => put(k)));
    for (const r of results) expect(failed(r)).toMatchObject({ code: 'QUORUM_NOT_MET', details: { acks: 1, n: 3 } });
  });

  it('moves the items of an unreachable coordinator to the next candidate together', async () => {
    const ids = ['node-1', 'node-2', 'node-3', 'node-4'];
    const net = replicationNet(hash, ids, 2, { coalescing: true });
    const entry = net.node('node-1');
    const forwarded = keys(200).filter((k) => !entry.owners(k).includes('node-1')).filter((k) => entry.owners(k)[0] === 'node-2');
    expect(forwarded.length).toBeGreaterThan(5);
    net.faults.set('node-2', 'refuse');
    const results = await entry.putMany(forwarded.map((k) => put(k, 'one')));
    forwarded.forEach((k, i) => expect(ok(results[i]).owners).toEqual(entry.owners(k)));
    const calls = callsOf(net, 'node-1', 'coordinate');
    expect(calls.find((c) => c.to === 'node-2')?.size).toBe(forwarded.length);
    expect(calls.filter((c) => c.to !== 'node-2').reduce((s, c) => s + c.size, 0)).toBe(forwarded.length);
    expect(entry.counters.dist).toMatchObject({ ForwardSet: 2 * forwarded.length, WriteForwardPromotion: forwarded.length });
  });

  it('a coordinator evaluates the operations of one call in order: same-key conditions see the writes before them', async () => {
    const net = replicationNet(hash, ['node-1', 'node-2', 'node-3'], 3);
    const c = net.node('node-1');
    const create = { op: 'put' as const, key: 'k', value: Buffer.from('a'), ttlMs: 0, consistency: 'quorum' as const, preconditions: { ifNoneMatchAny: true } };
    const [first, second, third] = await c.coordinateForwardedMany([create, { ...create, value: Buffer.from('b') }, { op: 'put', key: 'k', value: Buffer.from('c'), ttlMs: 0, consistency: 'quorum' }]);
    const v1 = ok(first).version;
    expect(failed(second)).toMatchObject({ code: 'PRECONDITION_FAILED', details: { version: v1 } });
    expect(ok(third).version).toBeGreaterThan(v1);
    expect(c.store.read('k')?.value.toString()).toBe('c');
    expect(callsOf(net, 'node-1', 'replicate').map((call) => call.size)).toEqual([2, 2]);
  });

  it('a draining coordinator answers each operation DRAINING and the entry node moves each on', async () => {
    const ids = ['node-1', 'node-2', 'node-3', 'node-4'];
    const net = replicationNet(hash, ids, 2, { coalescing: true });
    const entry = net.node('node-1');
    const forwarded = keys(200).filter((k) => !entry.owners(k).includes('node-1') && entry.owners(k)[0] === 'node-3');
    net.node('node-3').drain();
    const results = await entry.putMany(forwarded.map((k) => put(k, 'one')));
    for (const r of results) expect(ok(r).acks).toBeGreaterThanOrEqual(1);
    expect(net.node('node-3').counters.dist.WriteAttempts).toBe(0);
    entry.drain();
    for (const r of await entry.putMany(keys(3).map((k) => put(k)))) expect(failed(r).code).toBe('DRAINING');
  });
});
