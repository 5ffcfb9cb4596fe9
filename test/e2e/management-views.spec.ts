import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elapsed, valueWithin } from '../support/poll.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/** The docs/api.md §2.5 field table, copied from docs/. */
const DIST_METRIC_KEYS = `ForwardGet ForwardSet ForwardRemove ReplicaFanoutSet ReplicaFanoutRemove WriteAttempts WriteAcks
  WriteQuorumFailures WriteForwardPromotion ReadPrimaryPromote ReadRepair ReadQuorumFailures PreconditionFailures
  StaleApplies VersionConflicts VersionTieBreaks HeartbeatSuccess HeartbeatFailure IndirectProbeSuccess
  IndirectProbeFailure IndirectProbeRefuted Refutations LocalStalls NodesSuspect NodesDead NodesLeaving NodesRemoved Drains
  HintedQueued HintedReplayed HintedExpired HintedDropped HintedGlobalDropped HintedPending HintedBytes
  MigrationHintQueued MigrationHintReplayed MigrationHintExpired MigrationHintDropped HandoffKeys MerkleSyncs
  MerkleKeysPulled MerkleKeysPushed MerkleBuildNanos MerkleDiffNanos MerkleFetchNanos TombstonesActive
  TombstonesPurged RebalancedKeys RebalancedPrimary RebalancedReplicaDiff RebalanceBatches RebalanceLastNanos
  Evictions Expirations AppliesSkipped ItemsLocal BytesLocal MembershipVersion MembersAlive MembersSuspect
  MembersDead MembersLeaving`.split(/\s+/);

/** The integer fields of the Go server's DistMetrics that docs/api.md §2.5 adds (plus the string LastAutoSyncError). */
const GO_DIST_METRIC_KEYS = `ReplicaGetMiss ReadRepairBatched ReadRepairCoalesced MigrationHintLastAgeNanos AutoSyncLoops
  AutoSyncCleanTicks AutoSyncBackoffFactor LastAutoSyncNanos ChaosDrops ChaosLatencies RebalanceThrottle
  RebalanceReplicaDiffThrottle`.split(/\s+/);

const ENVELOPE_404 = { error: 'route not found', code: 'NOT_FOUND' };
const INVALID_KEY = { error: 'invalid key: must be 1 to 1024 bytes of UTF-8', code: 'BAD_REQUEST' };

async function getJson(url: string): Promise<{ status: number; type: string | null; body: any }> {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type'), body: await r.json() };
}

async function post(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', ...init });
  return { status: r.status, body: await r.json() };
}

function expectSummary(s: any, values: number[]): void {
  expect(Object.keys(s).sort()).toEqual(['Count', 'Max', 'Mean', 'Median', 'Min', 'Sum', 'Values', 'Variance']);
  const sorted = [...values].sort((a, b) => a - b);
  expect(s.Values).toEqual(sorted);
  expect(s.Count).toBe(values.length);
  expect(s.Sum).toBe(values.reduce((a, b) => a + b, 0));
  expect(s.Min).toBe(sorted[0]);
  expect(s.Max).toBe(sorted[sorted.length - 1]);
}

const put = (node: TestNode, key: string, value: string, ttlMs = 0) =>
  node.core.node.put({ key, value: Buffer.from(value), ttlMs, consistency: 'one' });

describe('management views on a CAPACITY=3 node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ capacity: 3 });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('GET /stats is {} on a fresh node', async () => {
    const r = await getJson(`${node.mgmt}/stats`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json; charset=utf-8');
    expect(r.body).toEqual({});
  });

  it('GET /stats summarises the eviction a fourth write caused', async () => {
    for (const k of ['a', 'b', 'c', 'd']) await put(node, k, 'v');
    const { status, body } = await getJson(`${node.mgmt}/stats`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      'evicted_item_count', 'eviction_loop_count', 'eviction_loop_duration', 'item_count', 'item_evicted_count',
    ]);
    expectSummary(body.eviction_loop_count, [1]);
    expectSummary(body.evicted_item_count, [1]);
    expectSummary(body.item_evicted_count, [1]);
    expectSummary(body.item_count, [3]);
    expect(body.eviction_loop_duration.Count).toBe(1);
    expect(Number.isInteger(body.eviction_loop_duration.Min)).toBe(true);
    expect(body.eviction_loop_duration.Min).toBeGreaterThanOrEqual(0);
    // LRU: the first key written is the victim.
    expect(node.core.node.store.peek('a')).toBeUndefined();
    expect(node.core.node.store.items).toBe(3);
  });

  it('GET /config reports capacity and the current allocation', async () => {
    const { status, body } = await getJson(`${node.mgmt}/config`);
    expect(status).toBe(200);
    expect(body).toEqual({
      nodeId: 'node-test',
      capacity: 3,
      allocation: 6, // three items of one-byte key + one-byte value
      maxCacheSize: 0,
      evictionAlgorithm: 'lru',
      evictionInterval: '0s',
      expirationInterval: '100ms',
      replication: 3,
      virtualNodesPerNode: 64,
      readConsistency: 'one',
      writeConsistency: 'quorum',
      env: {},
    });
  });

  it('GET /dist/metrics has every docs/api.md §2.5 key as an integer (LastAutoSyncError a string), gauges read now', async () => {
    const { status, body } = await getJson(`${node.mgmt}/dist/metrics`);
    expect(status).toBe(200);
    const integers = [...DIST_METRIC_KEYS, ...GO_DIST_METRIC_KEYS];
    expect(Object.keys(body).sort()).toEqual([...integers, 'LastAutoSyncError'].sort());
    expect(integers).toHaveLength(63 + 12);
    for (const k of integers) expect(Number.isInteger(body[k]), k).toBe(true);
    expect(body).toMatchObject({
      Evictions: 1, ItemsLocal: 3, BytesLocal: 6, WriteAttempts: 4, WriteAcks: 4,
      MembersAlive: 1, MembersSuspect: 0, MembersDead: 0, MembersLeaving: 0, MembershipVersion: 1, Drains: 0,
    });
    // A single node has no anti-entropy peer, no chaos injection and no backoff.
    expect(body).toMatchObject({ AutoSyncLoops: 0, AutoSyncBackoffFactor: 1, ChaosDrops: 0, ChaosLatencies: 0, LastAutoSyncError: '' });
  });

  it('POST /evict is accepted (202) and leaves a node within its caps untouched', async () => {
    const r = await post(`${node.mgmt}/evict`);
    expect(r).toEqual({ status: 202, body: { accepted: true, action: 'evict' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(node.core.node.store.items).toBe(3);
  });

  it('POST /clear removes the local items, keeps tombstones, and reports the count', async () => {
    await node.core.node.delete({ key: 'b', consistency: 'one' });
    expect(node.core.node.store.tombstoneCount).toBe(1);
    const itemsBefore = node.core.node.store.items;
    expect(itemsBefore).toBe(2);
    const r = await post(`${node.mgmt}/clear`);
    expect(r).toEqual({ status: 200, body: { cleared: 2, node: 'node-test' } });
    expect(node.core.node.store.items).toBe(0);
    expect(node.core.node.store.bytes).toBe(0);
    expect(node.core.node.store.tombstoneCount).toBe(1);
    const again = await post(`${node.mgmt}/clear`);
    expect(again.body).toEqual({ cleared: 0, node: 'node-test' });
    const dist = await getJson(`${node.mgmt}/dist/metrics`);
    expect(dist.body).toMatchObject({ ItemsLocal: 0, BytesLocal: 0, TombstonesActive: 1 });
  });

  it('management POSTs ignore a body up to 64 KiB and refuse a larger one with 413', async () => {
    const small = await post(`${node.mgmt}/clear`, { body: 'x'.repeat(64 * 1024), headers: { 'content-type': 'text/plain' } });
    expect(small).toEqual({ status: 200, body: { cleared: 0, node: 'node-test' } });
    const chunked = await post(`${node.mgmt}/evict`, {
      body: new Blob(['{"any":"json"}']).stream(),
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(chunked).toEqual({ status: 202, body: { accepted: true, action: 'evict' } });
    const big = await post(`${node.mgmt}/clear`, { body: 'x'.repeat(64 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: 'request body exceeds 65536 bytes', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('unknown routes and methods get the 404 envelope', async () => {
    for (const [method, path] of [['GET', '/nope'], ['GET', '/v1/cache/a'], ['GET', '/healthz'], ['DELETE', '/stats'], ['PUT', '/clear']]) {
      const r = await fetch(`${node.mgmt}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(await r.json()).toEqual(ENVELOPE_404);
    }
  });
});

describe('management views: expiry, owners and the cluster', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-x', replication: 2, vnodes: 8 });
    // Only the triggered sweep may remove what expires here.
    node.core.node.stop();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('POST /trigger-expiration removes the expired items and keeps the others', async () => {
    const start = Date.now();
    for (let i = 0; i < 5; i++) await put(node, `short-${i}`, 'v', 1);
    await put(node, 'long', 'v', 3_600_000);
    await put(node, 'forever', 'v');
    await elapsed('the short TTLs to pass', start, 5);
    expect(node.core.node.store.items).toBe(7);

    const r = await post(`${node.mgmt}/trigger-expiration`);
    expect(r).toEqual({ status: 202, body: { accepted: true, action: 'expire' } });
    const stats = await valueWithin('the sweep', 5000, async () => {
      const s = (await getJson(`${node.mgmt}/stats`)).body;
      return s.expiration_loop_count ? s : undefined;
    });
    expectSummary(stats.expiration_loop_count, [1]);
    expectSummary(stats.expired_item_count, [5]);
    expectSummary(stats.item_expired_count, [1, 1, 1, 1, 1]);
    expectSummary(stats.item_count, [2]);
    expect(node.core.node.store.items).toBe(2);
    expect(node.core.node.store.peek('long')).toBeDefined();
    expect(node.core.node.store.peek('forever')).toBeDefined();
    expect(node.core.node.store.peek('short-0')).toBeUndefined();
    expect((await getJson(`${node.mgmt}/dist/metrics`)).body.Expirations).toBe(5);
  });

  it('GET /dist/owners answers a ring lookup for any valid key', async () => {
    for (const key of ['never-written', 'a/b', 'with space', 'ключ', '🙂']) {
      const r = await getJson(`${node.mgmt}/dist/owners?key=${encodeURIComponent(key)}`);
      expect(r.status, key).toBe(200);
      expect(r.body).toEqual({ key, owners: ['node-x'] });
    }
    const plus = await getJson(`${node.mgmt}/dist/owners?other=1&key=a+b&key=ignored`);
    expect(plus.body).toEqual({ key: 'a b', owners: ['node-x'] });
    const longest = 'k'.repeat(1024);
    expect((await getJson(`${node.mgmt}/dist/owners?key=${longest}`)).status).toBe(200);
  });

  it('GET /dist/owners: a missing or invalid key is 400', async () => {
    const missing = await getJson(`${node.mgmt}/dist/owners`);
    expect(missing).toMatchObject({ status: 400, body: { error: "missing 'key' query parameter", code: 'BAD_REQUEST' } });
    expect((await getJson(`${node.mgmt}/dist/owners?keys=a`)).status).toBe(400);
    for (const bad of ['', '%FF', '%E2%82', '%zz', '%', 'k'.repeat(1025), '%C3%A9'.repeat(513)]) {
      const r = await getJson(`${node.mgmt}/dist/owners?key=${bad}`);
      expect(r.status, bad.slice(0, 20)).toBe(400);
      expect(r.body).toEqual(INVALID_KEY);
    }
  });

  it('GET /cluster/members lists self', async () => {
    const r = await getJson(`${node.mgmt}/cluster/members`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      replication: 2,
      virtualNodes: 8,
      members: [{ ID: 'node-x', Address: '127.0.0.1:7946', State: 'alive', Incarnation: 1 }],
    });
  });

  it('GET /cluster/ring has one sorted entry per virtual node', async () => {
    const { status, body } = await getJson(`${node.mgmt}/cluster/ring`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['count', 'vnodes']);
    expect(body.count).toBe(8);
    expect(body.vnodes).toHaveLength(8);
    for (const v of body.vnodes) expect(v).toMatch(/^[0-9a-f]{16}:node-x$/);
    expect([...body.vnodes].sort()).toEqual(body.vnodes);
  });

  it('GET /cluster/heartbeat has the seven counters', async () => {
    const r = await getJson(`${node.mgmt}/cluster/heartbeat`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      heartbeatSuccess: 0, heartbeatFailure: 0, nodesRemoved: 0, readPrimaryPromote: 0,
      indirectProbeSuccess: 0, indirectProbeFailure: 0, nodesSuspect: 0,
    });
    node.core.node.counters.dist.HeartbeatSuccess += 3;
    expect((await getJson(`${node.mgmt}/cluster/heartbeat`)).body.heartbeatSuccess).toBe(3);
  });
});
