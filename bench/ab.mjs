#!/usr/bin/env node
// Interleaved A/B of two servers under the same wrk load: `node bench/ab.mjs --a <target> --b <target>
// [--op get] [--size 100] [--rounds 8] [--seconds 2]`. A target is `baseline` (bench/baseline-fastify.mjs),
// `baseline:<script.mjs>`, the path of a server build's `main.js` (a single node, RF 1, auth on), or
// `nonowner:<main.js>`: that build as 3 nodes (RF 3) and a 4th that joins them and is the entry, loaded
// with GETs (`--op get`) of keys it owns none of (one forwarded `read` per request, like the
// `cluster-4-rf3-nonowner` cell); its CPU per request is that of all 4 processes.
// Both servers run at once, pinned like the benchmark (CPU 0; wrk and this harness on CPU 1), and are
// loaded in turn for `--seconds` per round, so slow drift of a shared machine hits both alike. Prints
// server CPU µs/request per round and the median ratio B/A: the figure to compare two builds with. For a
// `nonowner:` target it also splits each figure into the entry node's CPU and the three owners'.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TOKEN, joinNode, nonOwnerKeys, populate, sleep, startBaseline, startCluster, startNode } from './lib/hypercache.mjs';
import { cpuSeconds, stop } from './lib/procs.mjs';
import { runWrk, startLoadHarness } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, op: { type: 'string', default: 'get' }, size: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '2' },
  },
});
if (!values.a || !values.b) {
  process.stderr.write('usage: node bench/ab.mjs --a <baseline|baseline:script.mjs|path/to/main.js|nonowner:path/to/main.js> --b <...> [--op get|put] [--size 100] [--rounds 8] [--seconds 2]\n');
  process.exit(2);
}
const pin = startLoadHarness();

const size = Number(values.size);
const prefix = `${values.op}${size}-`;
const keysDir = mkdtempSync(join(os.tmpdir(), 'hypercache-ab-'));
const env = { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' };

/** A target: the process(es) whose CPU counts, the entry URL, and the key file of a non-owner cluster. */
async function startTarget(spec, label) {
  if (spec === 'baseline') return { procs: [await startBaseline({ cpus: pin.servers })] };
  if (spec.startsWith('baseline:')) return { procs: [await startBaseline({ cpus: pin.servers, script: spec.slice(9) })] };
  if (!spec.startsWith('nonowner:')) return { procs: [await startNode({ id: `ab-${label}`, rf: 1, cpus: pin.servers, main: spec, env })] };
  const main = spec.slice(9);
  const cluster = await startCluster({ n: 3, rf: 3, cpus: pin.servers, prefix: `ab-${label}`, env, main });
  const entry = await joinNode({ id: `ab-${label}-4`, cluster, rf: 3, cpus: pin.servers, env, main });
  await sleep(2_000); // let the join's rebalancing settle
  const keys = await nonOwnerKeys(entry, prefix, 1000);
  const keysFile = join(keysDir, `${label}.txt`);
  writeFileSync(keysFile, keys.join('\n') + '\n');
  await populate(cluster[0].url, { keys, valueBytes: size });
  return { procs: [entry, ...cluster], keysFile };
}

const servers = { A: await startTarget(values.a, 'a'), B: await startTarget(values.b, 'b') };
for (const s of Object.values(servers)) {
  s.url = s.procs[0].url;
  if (!s.keysFile) await populate(s.url, { prefix, count: 1000, valueBytes: size });
}
const load = (s, durationS) => runWrk({ url: s.url, op: values.op, valueBytes: size, keyCount: 1000, prefix, keysFile: s.keysFile, token: TOKEN, connections: 64, threads: 1, durationS, cpus: pin.load });
for (const s of Object.values(servers)) await load(s, 2); // warm-up

const cpu = (s) => s.procs.reduce((sum, p) => sum + cpuSeconds(p.pid), 0);
const perRequest = async (s) => {
  const c0 = cpu(s);
  const e0 = cpuSeconds(s.procs[0].pid);
  const r = await load(s, Number(values.seconds));
  const entry = ((cpuSeconds(s.procs[0].pid) - e0) * 1e6) / r.requests;
  return { us: ((cpu(s) - c0) * 1e6) / r.requests, entry, rps: r.rps, p99: r.p99_ms };
};
// A non-owner cluster: the entry node's share, and the three owners' (every forwarded read is served by one of them).
const split = (x) => (servers.A.procs.length > 1 ? ` [entry ${x.entry.toFixed(1)} + owners ${(x.us - x.entry).toFixed(1)}]` : '');
const splits = { A: [], B: [] };
if (servers.A.procs.length > 1) {
  // What the processes burn without load (membership, anti-entropy, timers): a share of every figure above that grows as throughput falls.
  for (const [k, s] of Object.entries(servers)) {
    const c0 = s.procs.map((p) => cpuSeconds(p.pid));
    await sleep(3_000);
    const ms = s.procs.map((p, i) => ((cpuSeconds(p.pid) - c0[i]) * 1000) / 3);
    process.stdout.write(`${k} idle: entry ${ms[0].toFixed(1)} ms CPU/s, owners ${ms.slice(1).reduce((a, b) => a + b, 0).toFixed(1)} ms CPU/s\n`);
  }
}
const ratios = [];
for (let i = 0; i < Number(values.rounds); i++) {
  // Alternate which goes first, so neither always follows the other's load.
  const order = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
  const r = {};
  for (const k of order) r[k] = await perRequest(servers[k]);
  ratios.push(r.B.us / r.A.us);
  for (const k of ['A', 'B']) splits[k].push(r[k]);
  process.stdout.write(`round ${i + 1}: A ${r.A.us.toFixed(1)} µs/req${split(r.A)} (${r.A.rps} rps, p99 ${r.A.p99} ms)  B ${r.B.us.toFixed(1)} µs/req${split(r.B)} (${r.B.rps} rps, p99 ${r.B.p99} ms)  B/A ${(r.B.us / r.A.us).toFixed(3)}\n`);
}
ratios.sort((x, y) => x - y);
const median = ratios[Math.floor(ratios.length / 2)];
process.stdout.write(`median CPU per request B/A: ${median.toFixed(3)} (min ${ratios[0].toFixed(3)}, max ${ratios.at(-1).toFixed(3)}), ${values.op.toUpperCase()} ${size} B\n`);
if (servers.A.procs.length > 1) {
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  for (const k of ['A', 'B']) {
    process.stdout.write(`${k}: median µs per request: entry ${med(splits[k].map((x) => x.entry)).toFixed(1)}, owners ${med(splits[k].map((x) => x.us - x.entry)).toFixed(1)}\n`);
  }
}
await Promise.all(Object.values(servers).flatMap((s) => s.procs.map((p) => stop(p, 'SIGTERM', 10_000))));
rmSync(keysDir, { recursive: true, force: true });
process.exit(0);
