import { Topology, type TopologyResponse } from '@hypercache/client';
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';

/**
 * The client routes with the ring code of the server, compiled into its package (scripts/generate.mjs).
 * This compares the built package's owners(k) with the server's ring on 100 000 keys, for the
 * member sets, virtual node counts and replication factors a topology can carry.
 */
const KEYS = 100_000;

function topology(ids: string[], virtualNodes: number, replication: number): TopologyResponse {
  return { replication, virtualNodes, hash: 'xxhash64', members: ids.map((id, i) => ({ id, url: `http://127.0.0.1:${8080 + i}`, state: 'alive' as const })) };
}

describe('client owners(k) = server owners(k)', () => {
  it.each([
    [['node-1', 'node-2', 'node-3'], 64, 3],
    [['node-1', 'node-2', 'node-3'], 64, 2],
    [['a', 'b', 'c', 'd', 'e'], 16, 3],
    [['hypercache-0', 'hypercache-1', 'hypercache-2', 'hypercache-3'], 256, 1],
  ] as const)('%j, %i virtual nodes, RF %i, on 100 000 keys', async (ids, vnodes, rf) => {
    const hash = await loadXxHash64();
    const server = new HashRing(ids, vnodes, hash);
    const client = new Topology(topology([...ids], vnodes, rf), hash);
    let differ = 0;
    const primaries = new Map<string, number>();
    for (let i = 0; i < KEYS; i++) {
      const key = i % 7 === 0 ? `ключ:${i}:ü` : `user:${i}`;
      const want = server.owners(key, rf);
      const got = client.owners(key);
      if (want.length !== got.length || want.some((o, j) => o !== got[j])) differ++;
      primaries.set(got[0]!, (primaries.get(got[0]!) ?? 0) + 1);
    }
    expect(differ).toBe(0);
    expect(primaries.size, 'every member is some key’s primary').toBe(ids.length);
  });

  it('orders candidates: alive owners first, then suspect owners, then the other members', async () => {
    const hash = await loadXxHash64();
    const t = topology(['node-1', 'node-2', 'node-3', 'node-4'], 64, 2);
    const plain = new Topology(t, hash);
    const key = 'some-key';
    const [primary, secondary] = plain.owners(key);
    const suspect: TopologyResponse = { ...t, members: t.members.map((m) => (m.id === primary ? { ...m, state: 'suspect' } : m)) };
    const routed = new Topology(suspect, hash);
    const others = t.members.filter((m) => m.id !== primary && m.id !== secondary).map((m) => m.url);
    expect(routed.owners(key)).toEqual([primary, secondary]);
    expect(routed.candidates(key)).toEqual([routed.url(secondary!), routed.url(primary!), ...others]);
    expect(plain.candidates(key).slice(0, 2)).toEqual([plain.url(primary!), plain.url(secondary!)]);
  });
});
