#!/usr/bin/env node
// Idle RSS and boot time of fresh single nodes, as the memory cell of run.mjs takes it (VmRSS 5 s
// after `hypercache-server started`), for one or more builds, starts interleaved between builds.
//   node bench/idle-rss.mjs [--runs 3] [--wait 5] [--main a/dist/main.js,b/dist/main.js] [--env K=V,...] [--node-args "--flag ..."]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAIN, startNode } from './lib/hypercache.mjs';
import { installCleanup, procMemory, stop } from './lib/procs.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    wait: { type: 'string', default: '5' },
    main: { type: 'string', default: MAIN },
    env: { type: 'string', default: '' },
    'node-args': { type: 'string', default: '' },
  },
});
installCleanup();
const mains = opt.main.split(',').filter(Boolean);
const env = Object.fromEntries(opt.env.split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const nodeArgs = opt['node-args'].split(' ').filter(Boolean);
const runs = Number(opt.runs);
const results = new Map(mains.map((m) => [m, { rss: [], boot: [] }]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b) => (b / 2 ** 20).toFixed(1);

for (let r = 0; r < runs; r++) {
  for (const main of r % 2 === 0 ? mains : [...mains].reverse()) {
    const t0 = performance.now();
    const node = await startNode({ id: 'idle', rf: 1, main, env: { HYPERCACHE_CAPACITY: '0', ...env }, nodeArgs });
    const boot = performance.now() - t0;
    await sleep(Number(opt.wait) * 1000);
    const { rss } = procMemory(node.pid);
    await stop(node);
    results.get(main).rss.push(rss);
    results.get(main).boot.push(boot);
    process.stderr.write(`${main}: run ${r + 1}: RSS ${mib(rss)} MiB, boot ${boot.toFixed(0)} ms\n`);
  }
}
for (const [main, { rss, boot }] of results) {
  console.log(`${main}: idle RSS median ${mib(median(rss))} MiB [${rss.map(mib).join(', ')}], boot median ${median(boot).toFixed(0)} ms [${boot.map((b) => b.toFixed(0)).join(', ')}]`);
}
