import { beforeAll, describe, expect, it } from 'vitest';
import type { CacheNodeApi } from '../../src/core/node-api.js';
import { CacheNode } from '../../src/core/node.js';
import type { Hash64 } from '../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../src/core/ring/xxhash64.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { SeededRandom } from '../../src/core/time/random.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { testConfig } from '../support/test-config.js';
import { T0, item } from './store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

function makeNode(): { node: CacheNodeApi; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const node = new CacheNode({ config: testConfig({ vnodes: 16 }), clock, random: new SeededRandom(1), hash, scheduler: new ManualScheduler() });
  return { node, clock };
}

describe('the node facade: snapshot() is the read model of metrics and admin views', () => {
  it('reports the store, membership and counters as the client operations left them', async () => {
    const { node } = makeNode();
    const empty = node.snapshot();
    expect(empty).toMatchObject({ nodeId: node.nodeId, draining: false, joined: true, items: 0, bytes: 0, tombstones: 0, ringMembers: 1, sseSubscribers: 0 });
    expect(empty.members.map((m) => m.ID)).toEqual([node.nodeId]);

    await node.put({ key: 'a', value: Buffer.from('12345'), ttlMs: 0, consistency: 'one' });
    await node.put({ key: 'b', value: Buffer.from('x'), ttlMs: 0, consistency: 'one' });
    await node.delete({ key: 'b', consistency: 'one' });
    expect(await node.get('missing', 'one')).toBeUndefined();
    node.countAuthFailure('client', 'forbidden');

    const s = node.snapshot();
    expect(s).toMatchObject({ items: 1, bytes: 'a'.length + 5, tombstones: 1 });
    expect(s.membersByState.alive).toBe(1);
    expect(s.dist).toMatchObject({ ItemsLocal: 1, TombstonesActive: 1, MembersAlive: 1 });
    expect(s.counters.cacheOps.get('put|ok')).toBe(2);
    expect(s.counters.cacheOps.get('get|miss')).toBe(1);
    expect(s.counters.authFailures.get('client|forbidden')).toBe(1);
  });

  it('follows subscriptions, draining, and the receiving side of replication', () => {
    const { node } = makeNode();
    const events: string[] = [];
    const unsubscribe = node.subscribe((e) => events.push(e.type));
    expect(node.snapshot().sseSubscribers).toBe(1);
    expect(node.applyReplicated('replication', [item('r', 'v', (T0 + 1) * 1000)])).toEqual(['applied']);
    expect(node.readReplicas(['r', 'none']).map((e) => e?.key)).toEqual(['r', undefined]);
    expect(node.snapshot().counters.dist.ReplicaGetMiss).toBe(1);
    expect(node.drain()).toBe(true);
    expect(node.snapshot().draining).toBe(true);
    expect(events).toContain('draining');
    unsubscribe();
    expect(node.snapshot().sseSubscribers).toBe(0);
  });

  it('the heavier views are their own calls: every virtual node of the ring, and the sampled stats', () => {
    const { node } = makeNode();
    const vnodes = node.ringVnodes();
    expect(vnodes).toHaveLength(16);
    expect(vnodes.every((v) => v.endsWith(`:${node.nodeId}`))).toBe(true);
    expect(node.statsSummary()).toEqual({});
  });
});
