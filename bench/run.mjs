#!/usr/bin/env node
// `npm run bench`: throughput/latency of hypercache-server against bare baselines, memory per item,
// idle RSS, a failover figure, how bulk load and join scale with the data, and the routing client against
// one entry node, in one bounded run. See bench/README.md.
//   node bench/run.mjs [--duration 10] [--quick] [--only single,cluster,memory,failover,bulk,join,client] [--connections 64]
// Expects an up-to-date dist/ (npm run bench builds first). Results: a table on stdout and JSON in
// bench/results/<timestamp>.json and bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  MAIN, TOKEN, batchPut, getJson, joinNode, metrics, nonOwnerKeys, populate, sleep, startBaseline, startCluster, startNode,
  startReplicatingBaseline,
} from './lib/hypercache.mjs';
import { bulkLoad, distMetrics, ownedCount, pollUntil, settledRebalancedKeys } from './lib/scaling.mjs';
import { cpuSeconds, cpusOf, exists, installCleanup, pinPid, procMemory, runningCount, start, stop, stopAll, tasksetAvailable } from './lib/procs.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const FAILOVER_LOAD = fileURLToPath(new URL('./lib/failover-load.mjs', import.meta.url));
const CLIENT_LOAD = fileURLToPath(new URL('./lib/client-load.mjs', import.meta.url));
const SCENARIOS = ['single', 'cluster', 'memory', 'failover', 'bulk', 'join', 'client'];

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'bulk-items': { type: 'string' },
    'bulk-window': { type: 'string' },
    'join-keys': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`usage: node bench/run.mjs [--duration SECONDS] [--quick] [--only ${SCENARIOS.join(',')}] [--connections 64] [--bulk-items N] [--bulk-window N] [--join-keys N]\n`);
  process.exit(0);
}
const quick = values.quick;
const cfg = {
  durationS: parseDuration(values.duration ?? (quick ? '3' : '10')),
  warmupS: quick ? 1 : 3,
  connections: Number(values.connections),
  sizes: [100, 4096],
  keyCount: 1000,
  memoryItems: quick ? 200_000 : 1_000_000,
  failoverMs: quick ? 12_000 : 30_000,
  failoverKillAtMs: quick ? 4_000 : 10_000,
  bulkItems: Number(values['bulk-items'] ?? (quick ? 500_000 : 1_000_000)),
  bulkWindow: Number(values['bulk-window'] ?? 100_000),
  bulkCapMs: quick ? 600_000 : 900_000,
  joinKeys: Number(values['join-keys'] ?? 100_000),
  clientGetPercent: 80,
};
const only = new Set((values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const s of only) if (!SCENARIOS.includes(s)) fail(`--only: unknown scenario ${s} (expected ${SCENARIOS.join(', ')})`);
if (!exists(MAIN)) fail(`${MAIN} not found; run npm run build first (npm run bench does)`);

installCleanup();

// ---- machine, pinning -----------------------------------------------------------------------------
const cores = os.availableParallelism();
const pin = cores >= 2 && tasksetAvailable()
  ? { servers: cores === 2 ? '0' : `0-${cores - 2}`, load: String(cores - 1) }
  : { servers: undefined, load: undefined };
if (pin.load) pinPid(process.pid, pin.load); // the harness itself stays off the server CPU(s)
const wrkThreads = 1;
const machine = {
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  cores,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  kernel: `${os.type()} ${os.release()}`,
  node: process.version,
  wrk: ensureWrk(),
  git_commit: safe(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()),
  hostname: os.hostname(),
};
const pinning = pin.servers
  ? { servers_cpus: pin.servers, load_generator_cpus: pin.load, harness_cpus: cpusOf(process.pid), note: `every server process (baselines and nodes, all cluster members together) on CPU ${pin.servers}; wrk (${wrkThreads} thread), the failover load process and this harness on CPU ${pin.load}` }
  : { note: 'not pinned (taskset missing or a single CPU): load generator and servers compete for the same CPUs' };
const loadAtStart = os.loadavg();

log(`machine: ${machine.cpu_model}, ${cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}, wrk ${machine.wrk}`);
log(`pinning: ${pinning.note}`);
log(`load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}${loadAtStart[0] > 0.5 ? '  (machine not idle: numbers are noisy)' : ''}`);
log(`cells: ${cfg.durationS}s each after ${cfg.warmupS}s warm-up per server process, ${cfg.connections} keep-alive connections, ${cfg.keyCount} keys, values ${cfg.sizes.join(' B and ')} B${quick ? '  [--quick]' : ''}`);

const cells = [];
const extra = {};
const startedAt = new Date();

try {
  if (only.has('single')) await singleNodeScenarios();
  if (only.has('cluster')) await clusterScenarios();
  if (only.has('memory')) extra.memory = await memoryScenario();
  if (only.has('failover')) extra.failover = await failoverScenario();
  if (only.has('bulk')) extra.bulk = await bulkScenario();
  if (only.has('join')) extra.join = await joinScenario();
  if (only.has('client')) extra.client = await clientScenario();
} finally {
  await stopAll();
}

const targets = evaluate();
printReport(targets);
writeResults(targets);
process.exit(0);

// ---- scenarios ------------------------------------------------------------------------------------

async function singleNodeScenarios() {
  const base = await startBaseline({ cpus: pin.servers });
  await runMatrix('baseline-fastify', base, ['put', 'get']);
  await stop(base);
  const node = await startNode({ id: 'single', rf: 1, cpus: pin.servers });
  await runMatrix('single-node', node, ['put', 'get']);
  await stop(node, 'SIGKILL');
}

async function clusterScenarios() {
  const repl = await startReplicatingBaseline({ cpus: pin.servers });
  await runMatrix('replicating-baseline', repl[0], ['put', 'get'], { servers: repl });
  await Promise.all(repl.map((p) => stop(p)));

  const cluster = await startCluster({ n: 3, rf: 3, cpus: pin.servers });
  await runMatrix('cluster-3-rf3', cluster[0], ['put', 'get'], { servers: cluster, consistency: 'put QUORUM (default), get ONE (local owner)' });

  // GET through a non-owner: with RF 3 on 3 nodes every node owns every key, so a 4th node joins
  // (4 nodes, RF 3) and is the entry; only keys whose owners (GET /v1/owners/{key} on it) exclude it are read.
  const entry = await joinNode({ id: 'node-4', cluster, rf: 3, cpus: pin.servers });
  await sleep(2_000); // let the join's rebalancing settle
  for (const size of cfg.sizes) {
    const keys = await nonOwnerKeys(entry, `no${size}-`, cfg.keyCount);
    const keysFile = `${RESULTS}.keys-nonowner-${size}.txt`;
    writeFileSync(keysFile, keys.join('\n') + '\n');
    await populate(cluster[0].url, { keys, valueBytes: size });
    await cell('cluster-4-rf3-nonowner', entry, 'get', size, { keysFile, servers: [...cluster, entry], consistency: 'ONE, entry node owns none of the keys' });
  }
  await Promise.all([...cluster, entry].map((n) => stop(n, 'SIGKILL')));
}

async function memoryScenario() {
  const node = await startNode({ id: 'memory', rf: 1, cpus: pin.servers, env: { HYPERCACHE_CAPACITY: '0' } });
  await sleep(5_000);
  const idle = procMemory(node.pid);
  const m0 = await metrics(node);
  log(`memory: idle RSS ${mib(idle.rss)} MiB (heap used ${mib(m0.nodejs_heap_size_used_bytes)} MiB); loading ${cfg.memoryItems} × 100 B values by batch put`);
  const value = 'v'.repeat(100);
  const perBatch = 1000;
  const t0 = Date.now();
  let next = 0;
  const batches = Math.ceil(cfg.memoryItems / perBatch);
  await Promise.all(Array.from({ length: 2 }, async () => {
    while (next < batches) {
      const b = next++;
      const items = [];
      for (let i = b * perBatch; i < Math.min(cfg.memoryItems, (b + 1) * perBatch); i++) items.push({ key: `m${String(i).padStart(7, '0')}`, value });
      await batchPut(node.url, items);
    }
  }));
  const loadS = (Date.now() - t0) / 1000;
  // 5 s after the load, the heap still holds the garbage of the loading requests: V8 runs its
  // compacting "memory reducer" GC only after about 30–60 s without allocation. Both are reported;
  // the target is checked on the settled figure (what a node holds for its items at rest).
  await sleep(5_000);
  const soon = procMemory(node.pid);
  const mSoon = await metrics(node);
  const settled = await settle(node, soon.rss);
  const after = settled.mem;
  const m1 = settled.metrics;
  const items = m1.hypercache_items;
  const bytes = m1.hypercache_bytes; // key + value bytes of live items, as the server counts them
  const perItem = (delta) => Math.round((delta - bytes) / items);
  const res = {
    node_args: 'single node, auth on, HYPERCACHE_CAPACITY=0',
    items_requested: cfg.memoryItems,
    items,
    key_value_bytes: bytes,
    load_seconds: loadS,
    idle_rss_bytes: idle.rss,
    rss_before_bytes: idle.rss,
    rss_after_bytes: after.rss,
    rss_peak_bytes: after.hwm,
    heap_used_before_bytes: m0.nodejs_heap_size_used_bytes,
    heap_used_after_bytes: m1.nodejs_heap_size_used_bytes,
    external_before_bytes: m0.nodejs_external_memory_bytes,
    external_after_bytes: m1.nodejs_external_memory_bytes,
    overhead_per_item_rss: perItem(after.rss - idle.rss),
    overhead_per_item_heap_plus_external: perItem(heapPlusExternal(m1) - heapPlusExternal(m0)),
    settled_after_seconds: settled.seconds,
    settled: settled.dropped,
    rss_5s_after_load_bytes: soon.rss,
    overhead_per_item_rss_5s_after_load: perItem(soon.rss - idle.rss),
    overhead_per_item_heap_plus_external_5s_after_load: perItem(heapPlusExternal(mSoon) - heapPlusExternal(m0)),
    formula: 'overhead per item = (RSS after − RSS before − hypercache_bytes) / hypercache_items; hypercache_bytes = key bytes + value bytes of live items; "after" = once RSS has settled after the load (V8 memory reducer), at most 120 s',
  };
  log(`memory: ${items} items, ${mib(bytes)} MiB key+value, RSS ${mib(idle.rss)} → ${mib(soon.rss)} MiB 5 s after the load (${res.overhead_per_item_rss_5s_after_load} B/item) → ${mib(after.rss)} MiB settled after ${settled.seconds} s: ${res.overhead_per_item_rss} B overhead/item (heap+external: ${res.overhead_per_item_heap_plus_external} B/item), loaded in ${loadS.toFixed(1)} s`);
  await stop(node, 'SIGKILL');
  return res;
}

function heapPlusExternal(m) {
  return m.nodejs_heap_size_used_bytes + (m.nodejs_external_memory_bytes ?? 0);
}

/**
 * Samples RSS every 5 s until V8's memory reducer has run after the load: RSS fell by at least 10 %
 * from `rssSoon` and two samples in a row agree within 1 %. Gives up after 120 s (reported as not settled).
 */
async function settle(node, rssSoon) {
  const t0 = Date.now();
  let prev = rssSoon;
  for (;;) {
    await sleep(5_000);
    const mem = procMemory(node.pid);
    const seconds = Math.round((Date.now() - t0) / 1000) + 5;
    const dropped = mem.rss <= rssSoon * 0.9;
    const stable = Math.abs(mem.rss - prev) <= prev * 0.01;
    if ((dropped && stable) || Date.now() - t0 >= 120_000) return { mem, metrics: await metrics(node), seconds, dropped };
    prev = mem.rss;
  }
}

async function failoverScenario() {
  const cluster = await startCluster({ n: 3, rf: 3, cpus: pin.servers, prefix: 'fo' });
  const victim = cluster[2];
  log(`failover: PUT 100 B at QUORUM through ${cluster[0].id} for ${cfg.failoverMs / 1000}s, ${cfg.connections} connections; SIGKILL ${victim.id} (pid ${victim.pid}) at ${cfg.failoverKillAtMs / 1000}s`);
  const load = await start({
    name: 'failover-load', cmd: process.execPath, cpus: pin.load, timeoutMs: 30_000,
    args: [FAILOVER_LOAD, cluster[0].url, TOKEN, String(cfg.failoverMs), String(cfg.failoverKillAtMs), String(cfg.connections), '100'],
    ready: (line) => line === 'BENCH_START',
  });
  let result;
  const got = new Promise((resolve) => load.child.stdout.on('data', (d) => {
    for (const line of String(d).split('\n')) if (line.startsWith('BENCH_JSON ')) resolve(JSON.parse(line.slice(11)));
  }));
  await sleep(cfg.failoverKillAtMs);
  process.kill(victim.pid, 'SIGKILL');
  const bound = sleep(cfg.failoverMs + 30_000).then(() => { throw new Error('failover load did not finish in time'); });
  result = await Promise.race([got, bound]);
  await load.exited;
  const t = result.total;
  log(`failover: ${t.requests} PUTs, ${t.failed} failed ${JSON.stringify(t.by_status)}; p99 before ${result.before_kill.p99_ms} ms, in the 10 s after the kill ${result.kill_window_10s.p99_ms} ms (max ${result.kill_window_10s.max_ms} ms)`);
  await Promise.all(cluster.map((n) => stop(n, 'SIGKILL')));
  return { ...result, victim: victim.id, entry: cluster[0].id, consistency: 'QUORUM', rf: 3, nodes: 3 };
}

/**
 * Bulk load into a fresh 3-node RF 3 cluster: batches of 1000 × 100 B at QUORUM through node-1, 2 in
 * flight; items/s (and server CPU per item) of each window of 100 000 items, first against last.
 */
async function bulkScenario() {
  // BENCH_CPU_PROF=<dir>: the nodes run under --cpu-prof (stopped by SIGTERM so the profiles are
  // written); the log gives each window's time since the spawn, for cpuprofile-summary --skip-ms/--until-ms.
  const profDir = process.env.BENCH_CPU_PROF;
  const spawnedAt = Date.now();
  // HYPERCACHE_CAPACITY=0: the default cap of 100 000 items would turn every write past it into an eviction.
  const cluster = await startCluster({
    n: 3, rf: 3, cpus: pin.servers, prefix: 'bulk',
    env: { HYPERCACHE_CAPACITY: '0', ...(profDir ? { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' } : {}) },
    ...(profDir ? { nodeArgs: (i) => ['--cpu-prof', `--cpu-prof-dir=${profDir}/node-${i + 1}`] } : {}),
  });
  const pids = cluster.map((n) => n.pid);
  const cpu = () => pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const cpuMarks = [cpu()];
  log(`bulk: ${cfg.bulkItems} × 100 B by batch put (1000 per request, 2 in flight, QUORUM) into 3 nodes RF 3, at most ${cfg.bulkCapMs / 1000} s`);
  const r = await bulkLoad(cluster[0].url, {
    items: cfg.bulkItems, window: cfg.bulkWindow, capMs: cfg.bulkCapMs,
    onWindow: (i, rate) => {
      cpuMarks.push(cpu());
      log(`bulk: items ${(i - 1) * cfg.bulkWindow}–${i * cfg.bulkWindow}: ${Math.round(rate)} items/s, ${Math.round(((cpuMarks[i] - cpuMarks[i - 1]) * 1e6) / cfg.bulkWindow)} µs server CPU/item (load ${os.loadavg()[0].toFixed(2)}, ${Date.now() - spawnedAt} ms since the spawn)`);
    },
  });
  r.server_cpu_us_per_item_by_window = cpuMarks.slice(1).map((c, i) => Math.round(((c - cpuMarks[i]) * 1e6) / cfg.bulkWindow));
  const items = await Promise.all(cluster.map(async (n) => (await distMetrics(n)).ItemsLocal));
  log(`bulk: ${r.items_sent} items sent (${r.items_failed} not stored${r.first_failure ? `, e.g. ${r.first_failure}` : ''}) in ${r.seconds} s${r.capped ? ' (stopped at the time cap)' : ''}; first ${cfg.bulkWindow}: ${r.items_per_s_first_window} items/s, last: ${r.items_per_s_last_window} items/s, ratio ${r.last_over_first}; items per node ${items.join(', ')}`);
  await Promise.all(cluster.map((n) => (profDir ? stop(n, 'SIGTERM', 15_000) : stop(n, 'SIGKILL'))));
  return { ...r, items_per_node_after: items, nodes: 3, rf: 3, consistency: 'QUORUM', entry: cluster[0].id, per_batch: 1000, in_flight: 2, value_bytes: 100 };
}

/**
 * A 4th node joins 3 nodes (RF 3) holding `joinKeys` keys: the seconds from its start until it holds
 * every key it owns (its ItemsLocal, against the count computed on the 4-node ring), and the entries
 * the 3 old nodes sent (RebalancedKeys, summed) per key the new node needed.
 */
async function joinScenario() {
  // BENCH_CPU_PROF=<dir>: every node runs under --cpu-prof (stopped by SIGTERM so the profiles are
  // written); the log gives the fill's time range since the cluster spawn and since the new node's spawn.
  const profDir = process.env.BENCH_CPU_PROF;
  const profArgs = (name) => (profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}/${name}`] : []);
  const profEnv = profDir ? { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' } : {};
  const spawnedAt = Date.now();
  const cluster = await startCluster({ n: 3, rf: 3, cpus: pin.servers, prefix: 'join', env: { HYPERCACHE_CAPACITY: '0', ...profEnv }, nodeArgs: (i) => profArgs(`join-${i + 1}`) });
  log(`join: loading ${cfg.joinKeys} × 100 B into 3 nodes RF 3`);
  const load = await bulkLoad(cluster[0].url, { items: cfg.joinKeys, window: cfg.joinKeys, capMs: 600_000, prefix: 'j' });
  if (!load.complete) throw new Error(`join: only ${load.items_sent} of ${cfg.joinKeys} keys loaded`);
  const full = await pollUntil(async () => (await Promise.all(cluster.map(distMetrics))).every((d) => d.ItemsLocal === cfg.joinKeys), { timeoutMs: 120_000, everyMs: 500 });
  if (!full) throw new Error('join: the 3 nodes did not all hold every key');
  const keys = Array.from({ length: cfg.joinKeys }, (_, i) => `j${String(i).padStart(7, '0')}`);
  const id = 'join-4';
  const needed = await ownedCount(keys, { nodeId: id, members: [...cluster.map((n) => n.id), id], rf: 3 });
  const before = (await Promise.all(cluster.map(distMetrics))).reduce((s, d) => s + d.RebalancedKeys, 0);
  const oldCpu = () => cluster.reduce((a, n) => a + cpuSeconds(n.pid), 0);
  const oldCpu0 = oldCpu();
  const t0 = Date.now();
  const node = await startNode({ id, rf: 3, cpus: pin.servers, env: { HYPERCACHE_CAPACITY: '0', ...profEnv }, nodeArgs: profArgs(id), seeds: cluster.map((c) => `${c.id}@127.0.0.1:${c.distPort}`) });
  const bootS = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  const newCpu0 = cpuSeconds(node.pid);
  const filled = await pollUntil(async () => (await distMetrics(node)).ItemsLocal >= needed, { timeoutMs: 180_000 });
  const fillS = (Date.now() - t1) / 1000;
  // Server CPU of the fill: the old nodes from the new node's spawn on, the new node from its "started" line on.
  const fillCpuS = oldCpu() - oldCpu0 + cpuSeconds(node.pid) - newCpu0;
  const held = (await distMetrics(node)).ItemsLocal;
  const sent = (await settledRebalancedKeys(cluster)) - before;
  const res = {
    keys: cfg.joinKeys, needed, held, filled: Boolean(filled), boot_seconds: round(bootS), fill_seconds: round(fillS),
    seconds_per_100k_keys: round((fillS * 100_000) / cfg.joinKeys), rebalanced_keys_old_nodes: sent, sends_per_needed_key: round(sent / needed),
    server_cpu_seconds_fill: round(fillCpuS), server_cpu_us_per_needed_key: round((fillCpuS * 1e6) / needed),
    note: 'fill_seconds from the new node\'s "started" log line until its ItemsLocal reaches the number of keys it owns on the 4-node ring (RF 3)',
  };
  log(`join: ${id} holds ${held} of the ${needed} keys it owns after ${res.fill_seconds} s (boot ${res.boot_seconds} s); RebalancedKeys over the 3 old nodes ${sent} = ${res.sends_per_needed_key} per key; server CPU ${res.server_cpu_seconds_fill} s = ${res.server_cpu_us_per_needed_key} µs per key (load ${os.loadavg()[0].toFixed(2)})`);
  if (profDir) log(`join: fill from ${t1 - spawnedAt} to ${t1 - spawnedAt + Math.round(fillS * 1000)} ms since the cluster spawn (${t1 - t0} to ${t1 - t0 + Math.round(fillS * 1000)} ms since ${id}'s spawn)`);
  await Promise.all([...cluster, node].map((n) => (profDir ? stop(n, 'SIGTERM', 15_000) : stop(n, 'SIGKILL'))));
  return res;
}

// ---- cells ----------------------------------------------------------------------------------------

/**
 * The routing client (clients/typescript) against one entry node: the same mixed load (80 % GET at
 * the default ONE, 20 % PUT at the default QUORUM, 100 B values, 1000 keys, `connections` requests in
 * flight) on 3 nodes, first with RF 3 (every node owns every key: the entry node never forwards, the
 * client only spreads the load), then with RF 2 (an entry node owns 2/3 of the keys). Forwards are
 * the ForwardGet + ForwardSet + ForwardRemove deltas of /dist/metrics over all nodes during the cell.
 */
async function clientScenario() {
  const rows = [];
  for (const rf of [3, 2]) {
    const cluster = await startCluster({ n: 3, rf, cpus: pin.servers, prefix: `rc${rf}` });
    await populate(cluster[0].url, { prefix: 'rc-', count: cfg.keyCount, valueBytes: 100 });
    for (const mode of ['entry', 'client']) {
      await clientLoad(mode, cluster, cfg.warmupS);
      const before = await forwardsOf(cluster);
      const load = os.loadavg()[0];
      const r = await clientLoad(mode, cluster, cfg.durationS);
      const forwards = (await forwardsOf(cluster)) - before;
      const row = { rf, mode, ...r, forwards, forwards_per_request: r.requests ? round(forwards / r.requests) : null, load_avg_1m: round(load) };
      rows.push(row);
      log(`client rf${rf} ${pad(mode, 6)} ${pad(String(r.rps), 7)} ops/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  failed ${r.failed}  forwards ${forwards}  (load ${row.load_avg_1m})`);
    }
    await Promise.all(cluster.map((n) => stop(n, 'SIGKILL')));
  }
  const ratio = (rf) => round(rows.find((x) => x.rf === rf && x.mode === 'client').rps / rows.find((x) => x.rf === rf && x.mode === 'entry').rps);
  return { nodes: 3, get_percent: cfg.clientGetPercent, value_bytes: 100, keys: cfg.keyCount, in_flight: cfg.connections, rows, client_over_entry_rf3: ratio(3), client_over_entry_rf2: ratio(2) };
}

async function clientLoad(mode, cluster, durationS) {
  const load = await start({
    name: `client-load-${mode}`, cmd: process.execPath, cpus: pin.load, timeoutMs: 30_000,
    args: [CLIENT_LOAD, mode, cluster.map((n) => n.url).join(','), TOKEN, String(durationS * 1000), String(cfg.connections), '100', String(cfg.keyCount), 'rc-', String(cfg.clientGetPercent)],
    ready: (line) => line === 'BENCH_START',
  });
  const got = new Promise((resolve) => load.child.stdout.on('data', (d) => {
    for (const line of String(d).split('\n')) if (line.startsWith('BENCH_JSON ')) resolve(JSON.parse(line.slice(11)));
  }));
  const bound = sleep(durationS * 1000 + 30_000).then(() => { throw new Error(`client load (${mode}) did not finish in time`); });
  const result = await Promise.race([got, bound]);
  await load.exited;
  return result;
}

async function forwardsOf(nodes) {
  let n = 0;
  for (const node of nodes) {
    const m = await distMetrics(node);
    n += m.ForwardGet + m.ForwardSet + m.ForwardRemove;
  }
  return n;
}

async function runMatrix(scenario, target, ops, meta = {}) {
  // Warm the JIT on every route first (the first measured cell would otherwise pay for it).
  const warm = { url: target.url, valueBytes: 100, keyCount: cfg.keyCount, prefix: 'w-', token: TOKEN, connections: cfg.connections, threads: wrkThreads, cpus: pin.load, durationS: cfg.warmupS };
  for (const op of ops) await runWrk({ ...warm, op });
  for (const size of cfg.sizes) {
    for (const op of ops) await cell(scenario, target, op, size, meta);
  }
}

async function cell(scenario, target, op, size, { keysFile, consistency, servers } = {}) {
  const prefix = `${op === 'get' ? 'g' : 'p'}${size}-`;
  if (op === 'get' && !keysFile) await populate(target.url, { prefix, count: cfg.keyCount, valueBytes: size });
  const common = { url: target.url, op, valueBytes: size, keyCount: cfg.keyCount, prefix, token: TOKEN, keysFile, connections: cfg.connections, threads: wrkThreads, cpus: pin.load };
  // Warm-up per server process: a cell spread over n processes gives each about 1/n of the requests,
  // so each gets as many warm-up requests as a single node's cell only in n × the time (a freshly
  // joined 4-node cell measured with one node's warm-up still ran 25-45 % above its steady cost).
  const pids = (servers ?? [target]).map((p) => p.pid);
  await runWrk({ ...common, durationS: cfg.warmupS * pids.length });
  const load = os.loadavg();
  const cpu0 = pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
  const r = await runWrk({ ...common, durationS: cfg.durationS });
  const cpu = pids.reduce((a, pid) => a + cpuSeconds(pid), 0) - cpu0;
  // CPU time the server process(es) spent per request: less sensitive to a busy machine than rps.
  r.server_cpu_us_per_req = r.requests ? Math.round((cpu * 1e6) / r.requests) : null;
  const row = { scenario, value_bytes: size, op, ...r, load_avg_1m: Math.round(load[0] * 100) / 100, ...(consistency ? { consistency } : {}) };
  cells.push(row);
  log(`${pad(scenario, 24)} ${pad(String(size), 5)} ${pad(op, 4)} ${pad(String(r.rps), 7)} rps  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  cpu ${r.server_cpu_us_per_req} µs/req${r.non2xx || r.socket_errors ? `  non-2xx ${r.non2xx}, socket errors ${r.socket_errors}` : ''}  (load ${row.load_avg_1m})`);
  if (runningCount() === 0) throw new Error('no server left running');
}

// ---- targets, report ------------------------------------------------------------------------------

function find(scenario, op, size) {
  return cells.find((c) => c.scenario === scenario && c.op === op && c.value_bytes === size);
}

function evaluate() {
  const rows = [];
  const ratioRow = (row, ref, minRatio, { p99Max, label }) => {
    if (!row || !ref) return;
    const ratio = round(row.rps / ref.rps);
    const p99Ratio = round(row.p99_ms / ref.p99_ms);
    const clean = row.non2xx === 0 && row.socket_errors === 0;
    const pass = ratio >= minRatio && (p99Max === undefined || p99Ratio <= p99Max) && clean;
    Object.assign(row, { baseline: `${ref.scenario} ${ref.op}`, ratio, p99_ratio: p99Ratio, target: label, pass });
    rows.push(row);
  };
  for (const size of cfg.sizes) {
    for (const op of ['put', 'get']) {
      const b = find('baseline-fastify', op, size);
      if (b) Object.assign(b, { baseline: '—', ratio: 1, p99_ratio: 1, target: '', pass: null });
    }
    ratioRow(find('single-node', 'get', size), find('baseline-fastify', 'get', size), 0.85, { p99Max: 2, label: '≥0.85×, p99 ≤2×' });
    ratioRow(find('single-node', 'put', size), find('baseline-fastify', 'put', size), 0.8, { p99Max: 2, label: '≥0.8×, p99 ≤2×' });
    for (const op of ['put', 'get']) {
      const r = find('replicating-baseline', op, size);
      if (r) Object.assign(r, { baseline: '—', ratio: 1, p99_ratio: 1, target: '', pass: null });
    }
    ratioRow(find('cluster-3-rf3', 'put', size), find('replicating-baseline', 'put', size), 0.8, { label: '≥0.8× (QUORUM)' });
    const cg = find('cluster-3-rf3', 'get', size);
    const sg = find('single-node', 'get', size);
    if (cg && sg) Object.assign(cg, { baseline: 'single-node get', ratio: round(cg.rps / sg.rps), p99_ratio: round(cg.p99_ms / sg.p99_ms), target: 'info', pass: null });
    ratioRow(find('cluster-4-rf3-nonowner', 'get', size), sg, 0.5, { label: '≥0.5× single GET' });
  }
  const m = extra.memory;
  if (m) {
    rows.push({ scenario: 'memory', metric: 'overhead bytes/item (RSS, settled)', value: m.overhead_per_item_rss, target: '≤100', pass: m.overhead_per_item_rss <= 100 });
    rows.push({ scenario: 'memory', metric: 'overhead bytes/item (RSS, 5 s after the load)', value: m.overhead_per_item_rss_5s_after_load, target: '≤200', pass: m.overhead_per_item_rss_5s_after_load <= 200 });
    rows.push({ scenario: 'memory', metric: 'idle RSS MiB', value: mib(m.idle_rss_bytes), target: '≤100', pass: m.idle_rss_bytes <= 100 * 2 ** 20 });
  }
  const b = extra.bulk;
  if (b) {
    rows.push({ scenario: 'bulk', metric: 'items/s, last window', value: b.items_per_s_last_window, target: '≥50000', pass: b.complete && !b.items_failed && b.items_per_s_last_window >= 50_000 });
    rows.push({ scenario: 'bulk', metric: 'items/s last window / first window', value: b.last_over_first, target: '≥0.8', pass: b.complete && b.last_over_first >= 0.8 });
  }
  const j = extra.join;
  if (j) {
    rows.push({ scenario: 'join', metric: 'seconds per 100 000 keys', value: j.seconds_per_100k_keys, target: '≤2', pass: j.filled && j.seconds_per_100k_keys <= 2 });
    rows.push({ scenario: 'join', metric: 'entries sent per key the new node needed', value: j.sends_per_needed_key, target: '1.0', pass: j.filled && j.sends_per_needed_key <= 1 });
  }
  return rows;
}

function printReport(targets) {
  const head = ['scenario', 'value', 'op', 'rps', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'vs', 'ratio', 'p99 ratio', 'target', 'result'];
  const lines = cells.map((c) => [c.scenario, `${c.value_bytes} B`, c.op.toUpperCase(), String(c.rps), String(c.p50_ms), String(c.p99_ms), String(c.server_cpu_us_per_req),
    c.baseline ?? '', String(c.ratio ?? ''), String(c.p99_ratio ?? ''), c.target ?? '', c.pass === true ? 'PASS' : c.pass === false ? 'FAIL' : '']);
  out('');
  out(table(head, lines));
  if (extra.memory) {
    const m = extra.memory;
    out('');
    out(table(['memory', 'value', 'target', 'result'], [
      ['items stored (100 B values)', String(m.items), '', ''],
      ['key+value bytes (hypercache_bytes)', `${mib(m.key_value_bytes)} MiB`, '', ''],
      ['RSS before → 5 s after the load → settled', `${mib(m.rss_before_bytes)} → ${mib(m.rss_5s_after_load_bytes)} → ${mib(m.rss_after_bytes)} MiB (${m.settled ? `settled after ${m.settled_after_seconds} s` : 'did not settle in 120 s'})`, '', ''],
      ['heap used before → settled', `${mib(m.heap_used_before_bytes)} → ${mib(m.heap_used_after_bytes)} MiB`, '', ''],
      ['overhead per item (RSS, 5 s after the load)', `${m.overhead_per_item_rss_5s_after_load} B`, '≤200 B', m.overhead_per_item_rss_5s_after_load <= 200 ? 'PASS' : 'FAIL'],
      ['overhead per item (RSS, settled)', `${m.overhead_per_item_rss} B`, '≤100 B', m.overhead_per_item_rss <= 100 ? 'PASS' : 'FAIL'],
      ['overhead per item (heap+external, settled)', `${m.overhead_per_item_heap_plus_external} B`, '', 'info'],
      ['idle RSS', `${mib(m.idle_rss_bytes)} MiB`, '≤100 MiB', m.idle_rss_bytes <= 100 * 2 ** 20 ? 'PASS' : 'FAIL'],
    ]));
  }
  if (extra.failover) {
    const f = extra.failover;
    out('');
    out(table(['failover (3 nodes, RF 3, QUORUM PUT, SIGKILL ' + f.victim + ` at ${f.kill_at_ms / 1000}s)`, 'requests', 'failed', 'by status', 'p50 ms', 'p99 ms', 'max ms'],
      [['before kill', f.before_kill], ['10 s after kill', f.kill_window_10s], ['rest', f.after_window], ['whole run', f.total]]
        .map(([n, s]) => [n, String(s.requests), String(s.failed), JSON.stringify(s.by_status), String(s.p50_ms), String(s.p99_ms), String(s.max_ms)])));
  }
  if (extra.bulk || extra.join) {
    const b = extra.bulk;
    const j = extra.join;
    const res = (pass) => (pass ? 'PASS' : 'FAIL');
    const rows = [];
    if (b) {
      rows.push([`bulk: items sent${b.capped ? ' (time cap hit)' : ''}`, `${b.items_sent} of ${b.items_requested} in ${b.seconds} s, ${b.items_failed} not stored`, '', b.items_failed ? 'FAIL' : '']);
      rows.push([`bulk: items/s, first ${b.window}`, String(b.items_per_s_first_window), '', '']);
      rows.push([`bulk: items/s, last ${b.window}`, String(b.items_per_s_last_window), '≥50000', res(b.complete && !b.items_failed && b.items_per_s_last_window >= 50_000)]);
      rows.push(['bulk: last / first', String(b.last_over_first), '≥0.8', res(b.complete && b.last_over_first >= 0.8)]);
      rows.push(['bulk: server CPU µs/item by window', b.server_cpu_us_per_item_by_window.join(' '), '', 'info']);
    }
    if (j) {
      rows.push([`join: keys the new node owns / holds`, `${j.needed} / ${j.held} after ${j.fill_seconds} s`, '', '']);
      rows.push(['join: seconds per 100 000 keys', String(j.seconds_per_100k_keys), '≤2', res(j.filled && j.seconds_per_100k_keys <= 2)]);
      rows.push(['join: RebalancedKeys (3 old nodes) per key needed', `${j.sends_per_needed_key} (${j.rebalanced_keys_old_nodes})`, '1.0', res(j.filled && j.sends_per_needed_key <= 1)]);
    }
    out('');
    out(table(['scaling', 'value', 'target', 'result'], rows));
  }
  if (extra.client) {
    const c = extra.client;
    out('');
    out(table([`routing client vs one entry node (3 nodes, ${c.get_percent} % GET ONE / ${100 - c.get_percent} % PUT QUORUM, ${c.value_bytes} B, ${c.in_flight} in flight)`, 'ops/s', 'p50 ms', 'p99 ms', 'failed', 'forwards', 'forwards/op'],
      c.rows.map((r) => [`RF ${r.rf}, ${r.mode === 'client' ? '@hypercache/client' : 'one entry node'}`, String(r.rps), String(r.p50_ms), String(r.p99_ms), String(r.failed), String(r.forwards), String(r.forwards_per_request)])));
    out(`client / entry ops/s: RF 3 ${c.client_over_entry_rf3}, RF 2 ${c.client_over_entry_rf2}`);
  }
  const failed = targets.filter((t) => t.pass === false);
  out('');
  out(`machine: ${machine.cpu_model}, ${cores} cores, Node ${machine.node}, wrk ${machine.wrk}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(`pinning: ${pinning.note}`);
  out(`targets: ${targets.length - failed.length} of ${targets.length} met${failed.length ? ` — not met: ${failed.map((t) => t.metric ?? `${t.scenario} ${t.op} ${t.value_bytes} B`).join('; ')}` : ''}`);
}

function writeResults(targets) {
  mkdirSync(RESULTS, { recursive: true });
  const doc = {
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    options: { ...cfg, quick, only: [...only], wrk_threads: wrkThreads },
    machine,
    pinning,
    load_avg: { start: loadAtStart, end: os.loadavg() },
    cells,
    memory: extra.memory ?? null,
    failover: extra.failover ?? null,
    bulk: extra.bulk ?? null,
    join: extra.join ?? null,
    client: extra.client ?? null,
    targets: targets.map((t) => ({ scenario: t.scenario, op: t.op, value_bytes: t.value_bytes, metric: t.metric, ratio: t.ratio ?? t.value, p99_ratio: t.p99_ratio, target: t.target, pass: t.pass })),
  };
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${RESULTS}${stamp}.json`, JSON.stringify(doc, null, 2) + '\n');
  writeFileSync(`${RESULTS}latest.json`, JSON.stringify(doc, null, 2) + '\n');
  out(`results: bench/results/${stamp}.json (and latest.json)`);
}

// ---- helpers --------------------------------------------------------------------------------------

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
function parseDuration(s) {
  const m = /^(\d+(?:\.\d+)?)(s?)$/.exec(s);
  if (!m || Number(m[1]) < 1) fail(`--duration: expected seconds (e.g. 10 or 10s), got ${s}`);
  return Number(m[1]);
}
function round(x) { return Math.round(x * 100) / 100; }
function mib(b) { return Math.round((b / 2 ** 20) * 10) / 10; }
function pad(s, n) { return s.padEnd(n); }
function safe(f) { try { return f(); } catch { return null; } }
function log(s) { process.stderr.write(`bench: ${s}\n`); }
function out(s) { process.stdout.write(`${s}\n`); }
function fail(msg) { process.stderr.write(`bench: ${msg}\n`); process.exit(2); }
