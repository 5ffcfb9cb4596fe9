import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
const COMMENT = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

/** A strict reader of the Prometheus text format 0.0.4: every line must parse. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line, 'comment line').toMatch(COMMENT);
      const t = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (t) types.set(t[1]!, t[2]!);
      continue;
    }
    const m = METRIC_LINE.exec(line);
    expect(m, `sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    if (m![2]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      for (let l = LABEL.exec(m![2]); l; l = LABEL.exec(m![2])) {
        labels[l[1]!] = l[2]!;
        consumed = LABEL.lastIndex;
      }
      expect(consumed, `labels of ${line}`).toBe(m![2].length);
    }
    const raw = m![3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : /^nan$/i.test(raw) ? NaN : Number(raw);
    expect(Number.isNaN(value) && !/^nan$/i.test(raw), line).toBe(false);
    samples.push({ name: m![1]!, labels, value });
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(node: TestNode): Promise<{ samples: Sample[]; types: Map<string, string>; text: string }> {
  const r = await fetch(`${node.mgmt}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  return { ...parseExposition(text), text };
}

const SINGLE_NODE_METRICS: Array<[string, string]> = [
  ['hypercache_build_info', 'gauge'],
  ['hypercache_http_requests_total', 'counter'],
  ['hypercache_http_request_duration_seconds', 'histogram'],
  ['hypercache_auth_failures_total', 'counter'],
  ['hypercache_cache_operations_total', 'counter'],
  ['hypercache_cache_operation_duration_seconds', 'histogram'],
  ['hypercache_items', 'gauge'],
  ['hypercache_bytes', 'gauge'],
  ['hypercache_capacity_items', 'gauge'],
  ['hypercache_max_memory_bytes', 'gauge'],
  ['hypercache_tombstones', 'gauge'],
  ['hypercache_tombstones_purged_total', 'counter'],
  ['hypercache_evictions_total', 'counter'],
  ['hypercache_expirations_total', 'counter'],
  ['hypercache_applies_skipped_total', 'counter'],
  ['hypercache_replication_acks_total', 'counter'],
  ['hypercache_quorum_failures_total', 'counter'],
  ['hypercache_precondition_failures_total', 'counter'],
  ['hypercache_stale_applies_total', 'counter'],
  ['hypercache_members', 'gauge'],
  ['hypercache_membership_version', 'gauge'],
  ['hypercache_draining', 'gauge'],
  ['hypercache_joined', 'gauge'],
  ['hypercache_sse_subscribers', 'gauge'],
  // Cluster metrics with a small fixed label set: zero-valued series from the start.
  ['hypercache_forwards_total', 'counter'],
  ['hypercache_replication_failures_total', 'counter'],
  ['hypercache_member_transitions_total', 'counter'],
  ['hypercache_local_stalls_total', 'counter'],
  ['hypercache_peer_requests_total', 'counter'],
  ['hypercache_rebalance_migrations_total', 'counter'],
  ['hypercache_rebalance_scans_total', 'counter'],
];

const BUCKETS = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

describe('GET /metrics', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ capacity: 2, maxMemory: 4 * 1024 * 1024 + 1024, nodeId: 'node-m1' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('is Prometheus text 0.0.4 with the default process and nodejs metrics', async () => {
    const { samples } = await scrape(node);
    expect(samples.some((s) => s.name.startsWith('process_'))).toBe(true);
    expect(samples.some((s) => s.name.startsWith('nodejs_'))).toBe(true);
  });

  it('exposes every single-node hypercache metric with its type', async () => {
    await node.core.node.put({ key: 'warm', value: Buffer.from('x'), ttlMs: 0, consistency: 'one' });
    const { samples, types } = await scrape(node);
    for (const [name, type] of SINGLE_NODE_METRICS) {
      expect(types.get(name), name).toBe(type);
      const base = type === 'histogram' ? `${name}_bucket` : name;
      expect(samples.some((s) => s.name === base), `${name} has samples`).toBe(true);
    }
    expect(value(samples, 'hypercache_build_info', { node_id: 'node-m1', version: node.core.version })).toBe(1);
    expect(value(samples, 'hypercache_capacity_items')).toBe(2);
    expect(value(samples, 'hypercache_max_memory_bytes')).toBe(4 * 1024 * 1024 + 1024);
    expect(value(samples, 'hypercache_members', { state: 'alive' })).toBe(1);
    expect(value(samples, 'hypercache_members', { state: 'dead' })).toBe(0);
    expect(value(samples, 'hypercache_membership_version')).toBe(1);
    expect(value(samples, 'hypercache_joined')).toBe(1);
    expect(value(samples, 'hypercache_draining')).toBe(0);
    expect(value(samples, 'hypercache_sse_subscribers')).toBe(0);
  });

  it('cache metrics move with the store', async () => {
    const before = (await scrape(node)).samples;
    const putsBefore = value(before, 'hypercache_cache_operations_total', { op: 'put', outcome: 'ok' }) ?? 0;
    const n = node.core.node;
    for (const k of ['k1', 'k2', 'k3']) await n.put({ key: k, value: Buffer.from('vv'), ttlMs: 0, consistency: 'one' });
    await n.get('k3', 'quorum');
    await n.get('absent', 'one');
    await n.delete({ key: 'k3', consistency: 'all' });
    await expect(n.put({ key: 'k2', value: Buffer.from('x'), ttlMs: 0, consistency: 'one', preconditions: { ifNoneMatchAny: true } }))
      .rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });

    const { samples } = await scrape(node);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'put', outcome: 'ok' })).toBe(putsBefore + 3);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'put', outcome: 'precondition_failed' })).toBe(1);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'get', outcome: 'hit' })).toBe(1);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'get', outcome: 'miss' })).toBe(1);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'delete', outcome: 'ok' })).toBe(1);
    expect(value(samples, 'hypercache_precondition_failures_total', { op: 'put' })).toBe(1);
    expect(value(samples, 'hypercache_evictions_total', { reason: 'capacity' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'hypercache_items')).toBe(1); // k2 (k3 deleted, capacity 2 evicted the rest)
    expect(value(samples, 'hypercache_bytes')).toBe(4);
    expect(value(samples, 'hypercache_tombstones')).toBe(1);
    expect(value(samples, 'hypercache_replication_acks_total', { op: 'delete' })).toBe(1);
    expect(value(samples, 'hypercache_cache_operation_duration_seconds_count', { op: 'get', consistency: 'quorum' })).toBe(1);
    expect(value(samples, 'hypercache_cache_operation_duration_seconds_count', { op: 'delete', consistency: 'all' })).toBe(1);
    const buckets = samples
      .filter((s) => s.name === 'hypercache_cache_operation_duration_seconds_bucket' && s.labels.op === 'delete')
      .map((s) => s.labels.le);
    expect(buckets).toEqual(BUCKETS);
  });

  it('HTTP metrics count real requests by route template, status and listener', async () => {
    const before = (await scrape(node)).samples;
    const statsBefore = value(before, 'hypercache_http_requests_total', { listener: 'management', method: 'GET', route: '/stats', status: '200' }) ?? 0;
    await fetch(`${node.mgmt}/stats`);
    await fetch(`${node.mgmt}/stats`);
    await fetch(`${node.mgmt}/no/such/secret-key-name`);
    await fetch(`${node.mgmt}/dist/owners?key=secret-key-name`);
    await fetch(`${node.api}/healthz`);
    await fetch(`${node.dist}/health`);

    const { samples, text } = await scrape(node);
    const get = (labels: Record<string, string>) => value(samples, 'hypercache_http_requests_total', labels);
    expect(get({ listener: 'management', method: 'GET', route: '/stats', status: '200' })).toBe(statsBefore + 2);
    expect(get({ listener: 'management', method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(get({ listener: 'management', method: 'GET', route: '/dist/owners', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(get({ listener: 'client', method: 'GET', route: '/healthz', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(get({ listener: 'dist', method: 'GET', route: '/health', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'hypercache_http_request_duration_seconds_count', { listener: 'management', method: 'GET', route: '/stats' }))
      .toBeGreaterThanOrEqual(2);
    const buckets = samples
      .filter((s) => s.name === 'hypercache_http_request_duration_seconds_bucket' && s.labels.route === '/stats')
      .map((s) => s.labels.le);
    expect(buckets).toEqual(BUCKETS);
    // Labels never carry keys or paths that were not route templates.
    expect(text).not.toContain('secret-key-name');
    expect(text).not.toContain('warm');
  });

  it('draining shows in the gauges', async () => {
    await fetch(`${node.mgmt}/dist/drain`, { method: 'POST' });
    const { samples } = await scrape(node);
    expect(value(samples, 'hypercache_draining')).toBe(1);
    expect(value(samples, 'hypercache_members', { state: 'leaving' })).toBe(1);
    expect(value(samples, 'hypercache_members', { state: 'alive' })).toBe(0);
    expect(value(samples, 'hypercache_membership_version')).toBe(2);
  });
});

describe('GET /metrics on the next node of the same process', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-m2', capacity: 7 });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('describes the node it is served by, not an earlier one', async () => {
    const { samples } = await scrape(node);
    expect(value(samples, 'hypercache_build_info', { node_id: 'node-m2' })).toBe(1);
    expect(samples.filter((s) => s.name === 'hypercache_build_info')).toHaveLength(1);
    expect(value(samples, 'hypercache_capacity_items')).toBe(7);
    expect(value(samples, 'hypercache_items')).toBe(0);
    expect(value(samples, 'hypercache_draining')).toBe(0);
    expect(value(samples, 'hypercache_cache_operations_total', { op: 'put', outcome: 'ok' })).toBeUndefined();
  });

  it('observes cache latency on this node', async () => {
    await node.core.node.put({ key: 'a', value: Buffer.from('b'), ttlMs: 0, consistency: 'quorum' });
    const { samples } = await scrape(node);
    expect(value(samples, 'hypercache_cache_operation_duration_seconds_count', { op: 'put', consistency: 'quorum' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'hypercache_items')).toBe(1);
  });
});
