import {
  BadRequestError, HypercacheClient, PreconditionFailedError, UnauthorizedError, type TopologyResponse,
} from '@hypercache/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type ClusterNode, FAST_ENV } from '../support/cluster.js';
import { TOKEN, client, distMetrics, get, getJson, ownersOf, put } from '../support/http.js';
import { within } from '../support/poll.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/**
 * The TypeScript client (clients/typescript) against a real 3-node cluster with RF 2, where a key has
 * a non-owner, so a request sent to the wrong node would cost a forward (docs/api.md §1.17).
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const FORWARDS = ['ForwardGet', 'ForwardSet', 'ForwardRemove'] as const;

async function forwards(nodes: ClusterNode[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of nodes) {
    const m = await distMetrics(n);
    for (const f of FORWARDS) out[`${n.id}.${f}`] = m[f]!;
  }
  return out;
}

const bytes = (i: number) => Uint8Array.from({ length: 64 }, (_, j) => (i * 31 + j * 7) % 256);

describe('the routing client on a 3-node cluster (RF 2)', () => {
  const cluster = new Cluster();
  let nodes: ClusterNode[];
  let c: HypercacheClient;

  beforeAll(async () => {
    await cluster.boot(IDS, { ...FAST_ENV, HYPERCACHE_REPLICATION: '2' });
    nodes = cluster.up();
    c = new HypercacheClient({ endpoints: [client(nodes[1]!)], token: TOKEN });
  }, 90_000);
  afterAll(async () => {
    await c?.close();
    await killSpawnedNodes();
  });

  it('every node publishes every member with its client URL (GET /v1/topology)', async () => {
    const want = IDS.map((id) => ({ id, url: client(cluster.node(id)), state: 'alive' }));
    let views: TopologyResponse[] = [];
    await within('every node lists the 3 client URLs', 20_000, async () => {
      views = await Promise.all(nodes.map(async (n) => (await getJson<TopologyResponse>(client(n), '/v1/topology')).body));
      return views.every((v) => JSON.stringify(v.members) === JSON.stringify(want));
    });
    for (const v of views) expect(v).toEqual({ replication: 2, virtualNodes: 64, hash: 'xxhash64', members: want });
  });

  it('client owners(k) equal GET /v1/owners/{key} for every key tried', async () => {
    await c.refresh();
    const keys = Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? `ключ/${i} 🔑` : `user:${i}`));
    const primaries = new Set<string>();
    for (const [i, key] of keys.entries()) {
      const mine = await c.owners(key);
      expect(mine, key).toEqual(await ownersOf(nodes[i % nodes.length]!, key));
      primaries.add(mine[0]!);
    }
    expect(primaries.size).toBe(3);
  });

  it('a mixed workload through the client makes no forward and reads back every value', async () => {
    expect(Object.entries(await forwards(nodes)).filter(([, v]) => v !== 0)).toEqual([]);
    const singles = Array.from({ length: 150 }, (_, i) => `mix:single:${i}`);
    for (const [i, key] of singles.entries()) {
      const r = await c.put(key, `value-${i}`, { ttl: i % 3 === 0 ? '10m' : undefined, consistency: i % 2 === 0 ? 'quorum' : 'all' });
      expect(r.owners).toEqual(await c.owners(key));
      expect(r.acks).toBeGreaterThanOrEqual(1);
      expect(r.version).toBeGreaterThan(0);
    }
    const many = Array.from({ length: 250 }, (_, i) => ({ key: `mix:many:${i}`, value: bytes(i) }));
    const stored = await c.putMany(many, { consistency: 'quorum' });
    expect(stored.filter((r) => !('stored' in r) || r.stored !== true)).toEqual([]);

    for (const [i, key] of singles.entries()) expect(await c.getString(key), key).toBe(`value-${i}`);
    const read = await c.getMany(many.map((m) => m.key));
    expect(read.map((r) => (r.found ? Buffer.from(r.value).equals(Buffer.from(many.find((m) => m.key === r.key)!.value)) : false))).toEqual(many.map(() => true));
    expect(await c.getJson('mix:absent')).toBeUndefined();
    await c.put('mix:json', JSON.stringify({ a: [1, 2] }));
    expect(await c.getJson('mix:json')).toEqual({ a: [1, 2] });

    // Conditional writes go to the key's one coordinator, its primary: still no forward.
    await expect(c.put('mix:lock', 'first', { ifNoneMatch: '*' })).resolves.toMatchObject({ key: 'mix:lock' });
    await expect(c.put('mix:lock', 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    const entry = (await c.getEntry('mix:lock'))!;
    await c.put('mix:lock', 'third', { ifMatch: entry.etag });
    const stale = await c.put('mix:lock', 'fourth', { ifMatch: entry.version }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as PreconditionFailedError).etag).toMatch(/^"\d+"$/);
    expect(await c.getString('mix:lock')).toBe('third');

    for (const key of singles.slice(0, 50)) expect((await c.delete(key)).deleted).toBe(true);
    const removed = await c.deleteMany(many.slice(0, 50).map((m) => m.key));
    expect(removed.every((r) => 'deleted' in r && r.deleted)).toBe(true);
    expect(await c.get(singles[0]!)).toBeUndefined();
    expect((await c.getMany([many[0]!.key]))[0]).toEqual({ key: many[0]!.key, found: false });

    const listed: string[] = [];
    for await (const key of c.keys({ pattern: 'mix:*', pageSize: 60 })) listed.push(key);
    const expected = [...singles.slice(50), ...many.slice(50).map((m) => m.key), 'mix:json', 'mix:lock'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed).toEqual(expected);

    // `GET /v1/cache/keys` is the key browser: the key named `keys` is read through batch get.
    await c.put('keys', 'reserved name');
    expect(await c.getString('keys')).toBe('reserved name');

    expect(Object.entries(await forwards(nodes)).filter(([, v]) => v !== 0)).toEqual([]);
  });

  it('the same reads and writes through one entry node do forward (the counters can move)', async () => {
    const entry = nodes[0]!;
    let foreign = 0;
    for (let i = 0; i < 60; i++) {
      const key = `entry:${i}`;
      if (!(await c.owners(key)).includes(entry.id)) foreign++;
      expect((await put(entry, key, 'v')).status).toBe(200);
      expect((await get(entry, key)).body).toBe('v');
    }
    expect(foreign).toBeGreaterThan(0);
    const m = await distMetrics(entry);
    expect(m.ForwardGet).toBe(foreign);
    expect(m.ForwardSet).toBe(foreign);
  });

  it('errors are typed by the envelope code', async () => {
    await expect(c.put('bad-ttl', 'v', { ttl: 'soon' })).rejects.toBeInstanceOf(BadRequestError);
    await expect(c.put('too-long', 'v', { ttl: '100000h' })).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    const wrong = new HypercacheClient({ endpoints: [client(nodes[0]!)], token: 'not-the-token' });
    try {
      await expect(wrong.get('k')).rejects.toBeInstanceOf(UnauthorizedError);
    } finally {
      await wrong.close();
    }
  });
});
