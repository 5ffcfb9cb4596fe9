import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, formed, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { sampleSum, scrapeNode } from '../support/prom-text.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/** The cluster metrics of docs/api.md §2.4 on three real processes (RF 2, so some keys have a remote primary). */
const IDS = ['node-1', 'node-2', 'node-3'];
const PEER_OPS = ['ping', 'ping_req', 'gossip', 'join', 'coordinate', 'replicate', 'read', 'merkle', 'list_keys', 'health'];

const ownersOf = async (n: ClusterNode, key: string) =>
  (await getJson<{ owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)).body.owners;

/** A key `n` does not own at all, so a write there is forwarded to its primary. */
async function foreignKey(n: ClusterNode, prefix: string): Promise<string> {
  for (let i = 0; ; i++) {
    const owners = await ownersOf(n, `${prefix}-${i}`);
    if (!owners.includes(n.id)) return `${prefix}-${i}`;
  }
}

describe('cluster metrics on 3 processes', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '500ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '2' });
    await within('3 alive members on every node', 10_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('exports the new series with their fixed label sets at once', async () => {
    const s = await scrapeNode(nodes[0]!);
    for (const op of ['get', 'put', 'delete']) {
      for (const outcome of ['ok', 'error']) expect(sampleSum(s, 'hypercache_forwards_total', { op, outcome }), `${op}/${outcome}`).toBeDefined();
    }
    for (const op of ['put', 'delete']) expect(sampleSum(s, 'hypercache_replication_failures_total', { op })).toBe(0);
    for (const to of ['alive', 'suspect', 'dead', 'draining']) expect(sampleSum(s, 'hypercache_member_transitions_total', { to })).toBeDefined();
    expect(sampleSum(s, 'hypercache_member_transitions_total', { to: 'leaving' })).toBeUndefined();
    for (const op of PEER_OPS) {
      for (const outcome of ['ok', 'error', 'timeout']) expect(sampleSum(s, 'hypercache_peer_requests_total', { op, outcome }), `${op}/${outcome}`).toBeDefined();
    }
    // Nothing is stored yet, so nothing has migrated; a scan may have run while the ring formed.
    for (const kind of ['new_owner', 'lost_ownership', 'handoff']) expect(sampleSum(s, 'hypercache_rebalance_migrations_total', { kind })).toBe(0);
    expect(sampleSum(s, 'hypercache_rebalance_scans_total')).toBeDefined();
  });

  it('a PUT and a DELETE through a non-owner count as forwards; pings and replicate calls as peer requests', async () => {
    const a = nodes[0]!;
    const before = await scrapeNode(a);
    const key = await foreignKey(a, 'fwd');
    const url = `${client(a)}/v1/cache/${encodeURIComponent(key)}`;
    const put = await fetch(url, { method: 'PUT', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: 'v' });
    expect(put.status).toBe(200);
    await put.arrayBuffer();
    const get = await fetch(url, { headers: auth() });
    expect(get.status).toBe(200);
    await get.arrayBuffer();
    const del = await fetch(url, { method: 'DELETE', headers: auth() });
    expect(del.status).toBeLessThan(300);
    await del.arrayBuffer();

    await within('pings counted after the traffic', 5_000, async () => {
      const s = await scrapeNode(a);
      return (sampleSum(s, 'hypercache_peer_requests_total', { op: 'ping', outcome: 'ok' }) ?? 0)
        > (sampleSum(before, 'hypercache_peer_requests_total', { op: 'ping', outcome: 'ok' }) ?? 0);
    });
    const after = await scrapeNode(a);
    const delta = (name: string, labels: Record<string, string>) =>
      (sampleSum(after, name, labels) ?? 0) - (sampleSum(before, name, labels) ?? 0);
    expect(delta('hypercache_forwards_total', { op: 'put', outcome: 'ok' })).toBe(1);
    expect(delta('hypercache_forwards_total', { op: 'delete', outcome: 'ok' })).toBe(1);
    expect(delta('hypercache_forwards_total', { op: 'get', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(delta('hypercache_forwards_total', { op: 'put', outcome: 'error' })).toBe(0);
    expect(delta('hypercache_peer_requests_total', { op: 'coordinate', outcome: 'ok' })).toBe(2);
    expect(delta('hypercache_peer_requests_total', { op: 'read', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // Every call is observed in the latency histogram too.
    expect(delta('hypercache_peer_request_duration_seconds_count', { op: 'coordinate' })).toBe(2);
    expect(sampleSum(after, 'hypercache_peer_request_duration_seconds_bucket', { op: 'ping', le: '+Inf' })).toBeGreaterThan(0);
    // The remote primary replicated to its co-owner: its replicate calls are counted there.
    const replicates = await Promise.all(nodes.map(async (n) => sampleSum(await scrapeNode(n), 'hypercache_peer_requests_total', { op: 'replicate', outcome: 'ok' }) ?? 0));
    expect(replicates.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(2);
    // Transitions count the same state changes as the docs/api.md §2.5 Nodes* counters (read later, so never fewer).
    const dist = (await getJson<Record<string, number>>(mgmt(a), '/dist/metrics')).body;
    for (const [to, field] of [['suspect', 'NodesSuspect'], ['dead', 'NodesDead'], ['draining', 'NodesLeaving']] as const) {
      expect(sampleSum(after, 'hypercache_member_transitions_total', { to }), to).toBeLessThanOrEqual(dist[field]!);
    }
  });
});
