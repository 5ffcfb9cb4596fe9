#!/usr/bin/env node
// CPU per request over a sustained load, window by window: `node bench/sustained.mjs --target <baseline|path/to/main.js>
// [--op get] [--size 100] [--windows 10] [--seconds 2] [--gap 0]`. Starts one server (a single node, RF 1, auth on, or
// bare Fastify), pinned like the benchmark, under `--trace-gc`, populates, warms up 2 s, then loads it for `--windows`
// back-to-back wrk runs of `--seconds` each (`--gap` seconds idle between them) and prints, per window, server CPU µs
// per request and the garbage collections in it (scavenges, mark-compacts and their pause ms, heap size after the
// last one). Shows what grows over a run that a short A/B round does not see (bench/PROFILE.md).
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { TOKEN, populate, sleep, startBaseline, startNode } from './lib/hypercache.mjs';
import { cpuSeconds, stop } from './lib/procs.mjs';
import { runWrk, startLoadHarness } from './lib/wrk.mjs';

const { values } = parseArgs({
  options: {
    target: { type: 'string' }, op: { type: 'string', default: 'get' }, size: { type: 'string', default: '100' },
    windows: { type: 'string', default: '10' }, seconds: { type: 'string', default: '2' }, gap: { type: 'string', default: '0' },
    'node-args': { type: 'string', default: '' }, 'gc-log': { type: 'string' },
  },
});
if (!values.target) {
  process.stderr.write('usage: node bench/sustained.mjs --target <baseline|path/to/main.js> [--op get|put] [--size 100] [--windows 10] [--seconds 2] [--gap 0]\n');
  process.exit(2);
}
const pin = startLoadHarness();
const size = Number(values.size);
const prefix = `${values.op}${size}-`;
const nodeArgs = ['--trace-gc', ...values['node-args'].split(' ').filter(Boolean)];
const server = values.target === 'baseline'
  ? await startBaseline({ cpus: pin.servers, nodeArgs })
  : await startNode({ id: 'sustained', rf: 1, cpus: pin.servers, main: values.target, nodeArgs, env: { HYPERCACHE_SHUTDOWN_TIMEOUT: '2s' } });

// `--trace-gc` lines: `[pid:addr:gen] 1234 ms: Scavenge 12.3 (14.0) -> 11.1 (15.0) MB, 0.42 / 0.00 ms ...`
const gc = { scavenges: 0, scavengeMs: 0, marks: 0, markMs: 0, heapMb: 0 };
let buf = '';
server.child.stdout.on('data', (d) => {
  buf += d;
  const lines = buf.split('\n');
  buf = lines.pop();
  for (const line of lines) {
    if (values['gc-log'] && line.startsWith('[')) appendFileSync(values['gc-log'], line + '\n');
    const m = /: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^,]*-> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/.exec(line);
    if (!m) continue;
    const ms = Number(m[3]);
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Sweep') { gc.scavenges++; gc.scavengeMs += ms; } else { gc.marks++; gc.markMs += ms; }
    gc.heapMb = Number(m[2]);
  }
});

await populate(server.url, { prefix, count: 1000, valueBytes: size });
const load = (durationS) => runWrk({ url: server.url, op: values.op, valueBytes: size, keyCount: 1000, prefix, token: TOKEN, connections: 64, threads: 1, durationS, cpus: pin.load });
await load(2);
process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
let totalCpu = 0;
let totalReq = 0;
for (let i = 0; i < Number(values.windows); i++) {
  if (i > 0 && Number(values.gap) > 0) await sleep(Number(values.gap) * 1000);
  const before = { ...gc };
  const c0 = cpuSeconds(server.pid);
  const r = await load(Number(values.seconds));
  const cpu = cpuSeconds(server.pid) - c0;
  totalCpu += cpu;
  totalReq += r.requests;
  process.stdout.write(`window ${i + 1}: ${((cpu * 1e6) / r.requests).toFixed(1)} µs/req, ${r.rps} rps, p99 ${r.p99_ms} ms; ` +
    `scavenges ${gc.scavenges - before.scavenges} (${(gc.scavengeMs - before.scavengeMs).toFixed(1)} ms), ` +
    `mark-compacts ${gc.marks - before.marks} (${(gc.markMs - before.markMs).toFixed(1)} ms), heap ${gc.heapMb} MB\n`);
}
process.stdout.write(`all windows: ${((totalCpu * 1e6) / totalReq).toFixed(1)} µs/req; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
await stop(server, 'SIGTERM', 10_000);
process.exit(0);
