#!/usr/bin/env node
// CPU profile of one node under wrk load: `node bench/profile.mjs [--duration 15] [--op get,put] [--size 100] [--target node|baseline|cluster]`.
// --target cluster: a 3-node RF 3 cluster, every node profiled, load through node-1 (PUT at QUORUM, GET at ONE).
// For each op, starts a fresh single node (auth on, RF 1) under `node --cpu-prof`, pinned like the
// benchmark, warms up, runs wrk, stops the node with SIGTERM (the profile is written at exit) and
// prints the aggregated profile (bench/lib/cpuprofile-summary.mjs). Profiles land in bench/results/profile/.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './lib/cpuprofile-summary.mjs';
import { TOKEN, populate, startBaseline, startCluster, startNode } from './lib/hypercache.mjs';
import { installCleanup, pinPid, stop, tasksetAvailable } from './lib/procs.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '15' }, op: { type: 'string', default: 'get,put' }, size: { type: 'string', default: '100' }, target: { type: 'string', default: 'node' } } });
const DIR = fileURLToPath(new URL('./results/profile/', import.meta.url));
installCleanup();
ensureWrk();
const cores = os.availableParallelism();
const pin = cores >= 2 && tasksetAvailable() ? { servers: cores === 2 ? '0' : `0-${cores - 2}`, load: String(cores - 1) } : {};
if (pin.load) pinPid(process.pid, pin.load);
const size = Number(values.size);
process.stderr.write(`profile: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
for (const op of values.op.split(',')) {
  const dir = `${DIR}${values.target}-${op}-${size}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const env = { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' };
  const spawnedAt = Date.now();
  const servers = values.target === 'baseline'
    ? [await startBaseline({ cpus: pin.servers, nodeArgs })]
    : values.target === 'cluster'
      ? await startCluster({ n: 3, rf: 3, cpus: pin.servers, env, nodeArgs: (i) => ['--cpu-prof', `--cpu-prof-dir=${dir}/node-${i + 1}`] })
      : [await startNode({ id: 'profile', rf: 1, cpus: pin.servers, nodeArgs, env })];
  const node = servers[0];
  const prefix = `${op}${size}-`;
  if (op === 'get') await populate(node.url, { prefix, count: 1000, valueBytes: size });
  const common = { url: node.url, op, valueBytes: size, keyCount: 1000, prefix, token: TOKEN, connections: 64, threads: 1, cpus: pin.load };
  await runWrk({ ...common, durationS: 3 });
  const skipMs = Date.now() - spawnedAt; // boot, populate and warm-up are left out of the summary
  const r = await runWrk({ ...common, durationS: Number(values.duration) });
  process.stderr.write(`profile: ${op} ${size} B: ${r.rps} rps, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms (under --cpu-prof)\n`);
  await Promise.all(servers.map((p) => stop(p, 'SIGTERM', 15_000)));
  const dirs = values.target === 'cluster' ? servers.map((_, i) => `${dir}/node-${i + 1}`) : [dir];
  for (const d of dirs) report(d, op, r, skipMs);
}
process.exit(0);

function report(dir, op, r, skipMs) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const s = summarize(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')), 30, skipMs);
  process.stdout.write(`\n## ${values.target} ${dir.split('/').slice(-1)[0]} ${op.toUpperCase()} ${size} B — ${r.rps} rps under the profiler; ${s.idle_pct}% idle (percentages of busy samples of the measured run; the first ${(skipMs / 1000).toFixed(1)} s — boot and warm-up — are left out)\n`);
  process.stdout.write('\nself time by function\n');
  for (const x of s.self) process.stdout.write(`${String(x.pct).padStart(6)}%  ${x.name}\n`);
  process.stdout.write('\nself time by module\n');
  for (const x of s.modules.slice(0, 20)) process.stdout.write(`${String(x.pct).padStart(6)}%  ${x.name}\n`);
  process.stdout.write('\ninclusive time, project functions\n');
  for (const x of s.inclusive_project) process.stdout.write(`${String(x.pct).padStart(6)}%  ${x.name}\n`);
}
