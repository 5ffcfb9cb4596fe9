#!/usr/bin/env node
// In-process A/B of the anti-entropy leaf update (docs/cluster.md §8.3) between two builds, robust to a
// loaded machine: a LocalStore with CoOwnedTrees watching (3 members, RF 3) applies 200 000 new 100 B
// items, the same store without the trees is timed to subtract, builds alternated for 7 rounds; the
// summary digests of both builds must be identical (the leaves are peer protocol).
//   node bench/leaf-ab.mjs --a <dist dir> --b <dist dir>      (e.g. --a /path/to/main/dist --b dist)
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string', default: 'dist' } } });
if (!values.a) {
  process.stderr.write('usage: node bench/leaf-ab.mjs --a <dist dir> --b <dist dir>\n');
  process.exit(2);
}
const roots = { base: resolve(values.a), branch: resolve(values.b) };
const mods = {};
for (const [name, root] of Object.entries(roots)) {
  mods[name] = {
    // file URLs: dist directories given as paths
    LocalStore: (await import(`file://${root}/core/store/local-store.js`)).LocalStore,
    CoOwnedTrees: (await import(`file://${root}/core/merkle/co-owned-trees.js`)).CoOwnedTrees,
    HashRing: (await import(`file://${root}/core/ring/hash-ring.js`)).HashRing,
    hash: await (await import(`file://${root}/core/ring/xxhash64.js`)).loadXxHash64(),
    clock: (await import(`file://${root}/core/time/clock.js`)).systemClock,
    scheduler: (await import(`file://${root}/core/time/scheduler.js`)).systemScheduler,
  };
}
const N = 200_000;
const value = Buffer.alloc(100, 7);
async function run(name, withTrees = true) {
  const m = mods[name];
  const store = new m.LocalStore({ capacity: 0, maxMemory: 0, eviction: 'lru', tombstoneTtlMs: 600_000 }, m.clock);
  const ring = new m.HashRing(['bulk-1', 'bulk-2', 'bulk-3'], 64, m.hash);
  const trees = withTrees && new m.CoOwnedTrees({ nodeId: 'bulk-1', replication: 3, ring: () => ring, store, hash: m.hash, clock: m.clock, scheduler: m.scheduler });
  if (trees) await trees.ready();
  const v0 = Math.floor(Date.now() / 60_000) * 60_000 * 1000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const key = `b${String(i).padStart(7, '0')}`;
    store.apply({ kind: 'item', key, value, version: v0 + i, origin: 'bulk-1', updatedAt: 0, expiresAt: 0 }, 'hard', 'replication');
  }
  const ns = Number(process.hrtime.bigint() - t) / N;
  const tree = trees ? trees.snapshot('bulk-2', undefined).summary().map((x) => x.toString(16)).join(',') : '';
  return { ns, tree };
}
const out = { base: [], branch: [] };
const bare = { base: [], branch: [] };
const trees = {};
for (let r = 0; r < 7; r++) for (const name of r % 2 ? ['branch', 'base'] : ['base', 'branch']) {
  const x = await run(name);
  out[name].push(x.ns);
  trees[name] = x.tree;
  bare[name].push((await run(name, false)).ns);
}
console.log(`same summary digests in both builds: ${trees.base === trees.branch}`);
if (trees.base !== trees.branch) process.exitCode = 1;
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(JSON.stringify({ base: out.base.map(Math.round), branch: out.branch.map(Math.round), median_base_ns: Math.round(med(out.base)), median_branch_ns: Math.round(med(out.branch)), ratio: (med(out.branch) / med(out.base)).toFixed(3), store_only_base_ns: Math.round(med(bare.base)), store_only_branch_ns: Math.round(med(bare.branch)), leaf_update_base_ns: Math.round(med(out.base) - med(bare.base)), leaf_update_branch_ns: Math.round(med(out.branch) - med(bare.branch)) }));
