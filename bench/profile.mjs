#!/usr/bin/env node
// CPU profile of one node under wrk load: `node bench/profile.mjs [--duration 15] [--op get,put] [--size 100] [--target node|baseline|cluster]`.
// --target cluster: a 3-node RF 3 cluster, every node profiled, load through node-1 (PUT at QUORUM, GET at ONE).
// --target nonowner: that cluster and a 4th node that joins it and is the entry, every node profiled,
// GETs (`--op get`) of keys the entry owns none of (one forwarded `read` each: the cluster-4-rf3-nonowner cell).
// For each op, starts a fresh single node (auth on, RF 1) under `node --cpu-prof`, pinned like the
// benchmark, warms up, runs wrk, stops the node with SIGTERM (the profile is written at exit) and
// prints the aggregated profile (bench/lib/cpuprofile-summary.mjs). Profiles land in bench/results/profile/.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './lib/cpuprofile-summary.mjs';
import { TOKEN, joinNode, nonOwnerKeys, populate, sleep, startBaseline, startCluster, startNode } from './lib/hypercache.mjs';
import { stop } from './lib/procs.mjs';
import { runWrk, startLoadHarness } from './lib/wrk.mjs';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '15' }, op: { type: 'string', default: 'get,put' }, size: { type: 'string', default: '100' }, target: { type: 'string', default: 'node' } } });
const DIR = fileURLToPath(new URL('./results/profile/', import.meta.url));
const pin = startLoadHarness();
const size = Number(values.size);
process.stderr.write(`profile: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
for (const op of values.op.split(',')) {
  const dir = `${DIR}${values.target}-${op}-${size}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const env = { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' };
  const spawnedAt = Date.now();
  const clustered = values.target === 'cluster' || values.target === 'nonowner';
  const servers = values.target === 'baseline'
    ? [await startBaseline({ cpus: pin.servers, nodeArgs })]
    : clustered
      ? await startCluster({ n: 3, rf: 3, cpus: pin.servers, env, nodeArgs: (i) => ['--cpu-prof', `--cpu-prof-dir=${dir}/node-${i + 1}`] })
      : [await startNode({ id: 'profile', rf: 1, cpus: pin.servers, nodeArgs, env })];
  const prefix = `${op}${size}-`;
  let keysFile;
  if (values.target === 'nonowner') {
    const joinedAt = Date.now();
    const entry = await joinNode({ id: 'node-4', cluster: servers, rf: 3, cpus: pin.servers, env, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}/node-4`] });
    await sleep(2_000); // let the join's rebalancing settle
    const keys = await nonOwnerKeys(entry, prefix, 1000);
    keysFile = `${dir}/keys.txt`;
    writeFileSync(keysFile, keys.join('\n') + '\n');
    await populate(servers[0].url, { keys, valueBytes: size });
    servers.unshift(Object.assign(entry, { spawnedAt: joinedAt }));
  } else if (op === 'get') {
    await populate(servers[0].url, { prefix, count: 1000, valueBytes: size });
  }
  const node = servers[0];
  const common = { url: node.url, op, valueBytes: size, keyCount: 1000, prefix, keysFile, token: TOKEN, connections: 64, threads: 1, cpus: pin.load };
  await runWrk({ ...common, durationS: 3 });
  const warmedAt = Date.now(); // boot, populate and warm-up are left out of the summary
  const r = await runWrk({ ...common, durationS: Number(values.duration) });
  process.stderr.write(`profile: ${op} ${size} B: ${r.rps} rps, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms (under --cpu-prof)\n`);
  await Promise.all(servers.map((p) => stop(p, 'SIGTERM', 15_000)));
  const dirs = clustered ? servers.map((n) => `${dir}/${n.id}`) : [dir];
  dirs.forEach((d, i) => report(d, op, r, warmedAt - (servers[i].spawnedAt ?? spawnedAt)));
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
