// Starting hypercache-server nodes (dist/main.js) and bare baselines for the benchmark, plus the few
// HTTP calls the harness needs (populate, owners, members, /metrics).
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort, start } from './procs.mjs';

// BENCH_MAIN points at another build (e.g. a clean checkout's dist/main.js) to compare builds.
export const MAIN = process.env.BENCH_MAIN || fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('../baseline-fastify.mjs', import.meta.url));
const REPLICATING = fileURLToPath(new URL('../baseline-replicating.mjs', import.meta.url));
export const TOKEN = 'bench-token';

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HYPERCACHE_') && !k.startsWith('OTEL_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts one node: client API and management on ephemeral loopback ports (read back from the
 * `listener bound` log lines), dist on the given port. Auth (shared token) is always on; metrics are
 * always served on the management listener.
 */
export async function startNode({ id, distPort, seeds = [], rf = 3, cpus, env = {}, nodeArgs = [], timeoutMs = 30_000, main = MAIN }) {
  distPort ??= await freePort();
  const ports = {};
  const proc = await start({
    name: id,
    cmd: process.execPath,
    args: [...nodeArgs, main],
    cpus,
    timeoutMs,
    env: cleanEnv({
      HYPERCACHE_NODE_ID: id,
      HYPERCACHE_API_ADDR: '127.0.0.1:0',
      HYPERCACHE_MGMT_ADDR: '127.0.0.1:0',
      HYPERCACHE_DIST_ADDR: `127.0.0.1:${distPort}`,
      HYPERCACHE_SEEDS: seeds.join(','),
      HYPERCACHE_AUTH_TOKEN: TOKEN,
      HYPERCACHE_REPLICATION: String(rf),
      HYPERCACHE_LOG_LEVEL: 'info',
      ...env,
    }),
    ready: (line) => {
      if (!line.startsWith('{')) return false;
      const rec = JSON.parse(line);
      if (rec.msg === 'listener bound' && rec.listener && rec.addr) ports[rec.listener] = Number(rec.addr.split(':').pop());
      return rec.msg === 'hypercache-server started';
    },
  });
  return Object.assign(proc, {
    id,
    distPort,
    url: `http://127.0.0.1:${ports.client}`,
    mgmtUrl: `http://127.0.0.1:${ports.management}`,
  });
}

/** Starts n nodes that seed each other and waits until every node sees all n members alive. */
export async function startCluster({ n, rf, cpus, prefix = 'node', env, nodeArgs = (_i) => [], main = MAIN }) {
  const dist = [];
  for (let i = 0; i < n; i++) dist.push(await freePort());
  const ids = dist.map((_, i) => `${prefix}-${i + 1}`);
  const nodes = await Promise.all(ids.map((id, i) => startNode({
    id, distPort: dist[i], rf, cpus, env, nodeArgs: nodeArgs(i), main,
    seeds: ids.flatMap((other, j) => (j === i ? [] : [`${other}@127.0.0.1:${dist[j]}`])),
  })));
  await Promise.all(nodes.map((node) => waitForMembers(node, n)));
  return nodes;
}

/** Adds a node to a running cluster and waits until all nodes see it. */
export async function joinNode({ id, cluster, rf, cpus, env, main = MAIN, nodeArgs }) {
  const node = await startNode({ id, rf, cpus, env, main, nodeArgs, seeds: cluster.map((c) => `${c.id}@127.0.0.1:${c.distPort}`) });
  const all = [...cluster, node];
  await Promise.all(all.map((m) => waitForMembers(m, all.length)));
  return node;
}

/** `count` keys `<prefix><n>` that `entry` owns none of (GET /v1/owners/{key} on it): every GET of them through `entry` is forwarded. */
export async function nonOwnerKeys(entry, prefix, count) {
  const keys = [];
  for (let i = 0; keys.length < count; i += 32) {
    if (i > count * 50) throw new Error(`found only ${keys.length} keys not owned by ${entry.id}`);
    const batch = await Promise.all(Array.from({ length: 32 }, async (_, j) => {
      const key = `${prefix}${i + j}`;
      const body = await getJson(`${entry.url}/v1/owners/${encodeURIComponent(key)}`);
      return body.owners.includes(entry.id) ? null : key;
    }));
    for (const k of batch) if (k && keys.length < count) keys.push(k);
  }
  return keys;
}

export async function waitForMembers(node, count, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await getJson(`${node.mgmtUrl}/cluster/members`).catch(() => null);
    const alive = body?.members?.filter((m) => m.State === 'alive').length ?? 0;
    if (alive >= count) {
      const ready = await request(`${node.mgmtUrl}/health/ready`, { headers: auth() }).then(async (r) => { await r.body.dump(); return r.statusCode; }).catch(() => 0);
      if (ready === 200) return;
    }
    if (Date.now() > deadline) throw new Error(`${node.id}: ${alive} of ${count} members alive after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export async function startBaseline({ cpus, nodeArgs = [], script = BASELINE }) {
  const proc = await start({ name: 'baseline-fastify', cmd: process.execPath, args: [...nodeArgs, script], cpus, env: cleanEnv({}), ready: port(/^listening (\d+)$/) });
  return Object.assign(proc, { id: 'baseline-fastify', url: `http://127.0.0.1:${proc.ready}` });
}

export async function startReplicatingBaseline({ cpus }) {
  const peers = await Promise.all([1, 2].map((i) => start({ name: `replicating-peer-${i}`, cmd: process.execPath, args: [REPLICATING], cpus, env: cleanEnv({}), ready: port(/^listening (\d+)$/) })));
  const entry = await start({
    name: 'replicating-entry', cmd: process.execPath, args: [REPLICATING], cpus, ready: port(/^listening (\d+)$/),
    env: cleanEnv({ BENCH_PEERS: peers.map((p) => `http://127.0.0.1:${p.ready}`).join(',') }),
  });
  return [entry, ...peers].map((p) => Object.assign(p, { id: p.name, url: `http://127.0.0.1:${p.ready}` }));
}

function port(re) {
  return (line) => Number(re.exec(line)?.[1] ?? 0) || false;
}

export function auth() {
  return { authorization: `Bearer ${TOKEN}` };
}

export async function getJson(url) {
  const res = await request(url, { headers: auth(), headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Writes `count` keys `${prefix}${i}` with `valueBytes`-byte values by single PUTs (works on every target). */
export async function populate(baseUrl, { prefix, count, valueBytes, keys, concurrency = 16 }) {
  const list = keys ?? Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const body = Buffer.alloc(valueBytes, 'v');
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < list.length) {
      const key = list[next++];
      const res = await request(`${baseUrl}/v1/cache/${encodeURIComponent(key)}`, {
        method: 'PUT', body, headers: { ...auth(), 'content-type': 'application/octet-stream' }, headersTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode !== 200) failed++;
    }
  }));
  if (failed) throw new Error(`populate ${baseUrl}: ${failed} of ${list.length} PUTs failed`);
}

/** POST /v1/cache/batch/put with up to 1000 items; throws unless every item was stored. */
export async function batchPut(baseUrl, items) {
  const failed = await batchPutFailures(baseUrl, items);
  if (failed.length) throw new Error(`batch put: ${failed.length} items not stored, e.g. ${JSON.stringify(failed[0])}`);
}

/** POST /v1/cache/batch/put with up to 1000 items; returns the results of the items not stored (a non-200 answer throws). */
export async function batchPutFailures(baseUrl, items) {
  const res = await request(`${baseUrl}/v1/cache/batch/put`, {
    method: 'POST', body: JSON.stringify({ items }), headers: { ...auth(), 'content-type': 'application/json' },
    headersTimeout: 60_000, bodyTimeout: 60_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`batch put: ${res.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text).results.filter((r) => !r.stored);
}

/** Prometheus text of /metrics parsed to { name → value } for unlabelled samples. */
export async function metrics(node) {
  const res = await request(`${node.mgmtUrl}/metrics`, { headers: auth() });
  const text = await res.body.text();
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
