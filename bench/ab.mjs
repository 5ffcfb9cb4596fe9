#!/usr/bin/env node
// Interleaved A/B of two servers under the same wrk load: `node bench/ab.mjs --a <target> --b <target>
// [--op get] [--size 100] [--rounds 8] [--seconds 2]`. A target is `baseline` (bench/baseline-fastify.mjs),
// `baseline:<script.mjs>`, or the path of a server build's `main.js` (a single node, RF 1, auth on).
// Both servers run at once, pinned like the benchmark (CPU 0; wrk and this harness on CPU 1), and are
// loaded in turn for `--seconds` per round, so slow drift of a shared machine hits both alike. Prints
// server CPU µs/request per round and the median ratio B/A: the figure to compare two builds with.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { TOKEN, populate, startBaseline, startNode } from './lib/hypercache.mjs';
import { cpuSeconds, installCleanup, pinPid, stop, tasksetAvailable } from './lib/procs.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, op: { type: 'string', default: 'get' }, size: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '2' },
  },
});
if (!values.a || !values.b) {
  process.stderr.write('usage: node bench/ab.mjs --a <baseline|baseline:script.mjs|path/to/main.js> --b <...> [--op get|put] [--size 100] [--rounds 8] [--seconds 2]\n');
  process.exit(2);
}
installCleanup();
ensureWrk();
const cores = os.availableParallelism();
const pin = cores >= 2 && tasksetAvailable() ? { servers: cores === 2 ? '0' : `0-${cores - 2}`, load: String(cores - 1) } : {};
if (pin.load) pinPid(process.pid, pin.load);

const startTarget = (spec, label) => spec === 'baseline'
  ? startBaseline({ cpus: pin.servers })
  : spec.startsWith('baseline:')
    ? startBaseline({ cpus: pin.servers, script: spec.slice(9) })
    : startNode({ id: `ab-${label}`, rf: 1, cpus: pin.servers, main: spec, env: { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' } });

const size = Number(values.size);
const prefix = `${values.op}${size}-`;
const servers = { A: await startTarget(values.a, 'a'), B: await startTarget(values.b, 'b') };
for (const s of Object.values(servers)) await populate(s.url, { prefix, count: 1000, valueBytes: size });
const load = (s, durationS) => runWrk({ url: s.url, op: values.op, valueBytes: size, keyCount: 1000, prefix, token: TOKEN, connections: 64, threads: 1, durationS, cpus: pin.load });
for (const s of Object.values(servers)) await load(s, 2); // warm-up

const perRequest = async (s) => {
  const c0 = cpuSeconds(s.pid);
  const r = await load(s, Number(values.seconds));
  return { us: ((cpuSeconds(s.pid) - c0) * 1e6) / r.requests, rps: r.rps, p99: r.p99_ms };
};
const ratios = [];
for (let i = 0; i < Number(values.rounds); i++) {
  // Alternate which goes first, so neither always follows the other's load.
  const order = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
  const r = {};
  for (const k of order) r[k] = await perRequest(servers[k]);
  ratios.push(r.B.us / r.A.us);
  process.stdout.write(`round ${i + 1}: A ${r.A.us.toFixed(1)} µs/req (${r.A.rps} rps, p99 ${r.A.p99} ms)  B ${r.B.us.toFixed(1)} µs/req (${r.B.rps} rps, p99 ${r.B.p99} ms)  B/A ${(r.B.us / r.A.us).toFixed(3)}\n`);
}
ratios.sort((x, y) => x - y);
const median = ratios[Math.floor(ratios.length / 2)];
process.stdout.write(`median CPU per request B/A: ${median.toFixed(3)} (min ${ratios[0].toFixed(3)}, max ${ratios.at(-1).toFixed(3)}), ${values.op.toUpperCase()} ${size} B\n`);
await Promise.all(Object.values(servers).map((s) => stop(s, 'SIGTERM', 10_000)));
process.exit(0);
