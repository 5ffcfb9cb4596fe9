#!/usr/bin/env node
// Aggregates a V8 .cpuprofile (node --cpu-prof) by function and by module:
//   node bench/lib/cpuprofile-summary.mjs <file.cpuprofile> [--top 25] [--skip-ms 0] [--until-ms ∞]
// Self time = samples whose top frame is the function. Inclusive time counts a sample once per
// distinct function on its stack. "module" is the npm package (node_modules/<pkg>), the project file
// (dist/... → src/...), `node:internal` or a V8 pseudo-frame ((garbage collector), (program), (idle)).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export function summarize(profile, top = 25, skipMs = 0, untilMs = Infinity) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Samples in the first skipMs of the profile (boot, module loading, warm-up) and after untilMs are left out.
  const counts = new Map();
  let t = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t / 1000 >= skipMs && t / 1000 < untilMs) counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const idle = [...counts].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, c]) => a + c, 0);
  const busy = total - idle;
  const self = new Map();
  const selfModule = new Map();
  const incl = new Map();
  const inclCache = new Map();
  const stackKeys = (id) => {
    if (inclCache.has(id)) return inclCache.get(id);
    const keys = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) keys.add(fnKey(byId.get(cur).callFrame));
    inclCache.set(id, keys);
    return keys;
  };
  for (const [id, c] of counts) {
    const cf = byId.get(id).callFrame;
    if (cf.functionName === '(idle)') continue;
    add(self, fnKey(cf), c);
    add(selfModule, moduleOf(cf), c);
    for (const k of stackKeys(id)) add(incl, k, c);
  }
  const pct = (c) => Math.round((c / busy) * 1000) / 10;
  const rows = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, c]) => ({ name: k, pct: pct(c) }));
  return {
    samples: total,
    busy_samples: busy,
    idle_pct: Math.round((idle / total) * 1000) / 10,
    self: rows(self, top),
    modules: rows(selfModule, top),
    inclusive_project: rows(new Map([...incl].filter(([k]) => k.includes(' src/'))), top),
  };
}

function add(m, k, c) { m.set(k, (m.get(k) ?? 0) + c); }

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13);
  const d = url.lastIndexOf('/dist/');
  if (d >= 0) return `src/${url.slice(d + 6)}`;
  return url.replace(/^file:\/\//, '');
}

function fnKey(cf) {
  const u = shortUrl(cf.url);
  return `${cf.functionName || '(anonymous)'}${u ? ` ${u}:${cf.lineNumber + 1}` : ''}`;
}

function moduleOf(cf) {
  if (!cf.url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  if (cf.url.startsWith('node:')) return 'node:internal';
  const nm = cf.url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = cf.url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  return shortUrl(cf.url);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, 'skip-ms': { type: 'string', default: '0' }, 'until-ms': { type: 'string', default: 'Infinity' } } });
  const s = summarize(JSON.parse(readFileSync(positionals[0], 'utf8')), Number(values.top), Number(values['skip-ms']), Number(values['until-ms']));
  const print = (title, list) => {
    process.stdout.write(`\n${title}\n`);
    for (const r of list) process.stdout.write(`${String(r.pct).padStart(6)}%  ${r.name}\n`);
  };
  process.stdout.write(`${s.samples} samples, ${s.idle_pct}% idle; percentages are of non-idle samples\n`);
  print('self time by function', s.self);
  print('self time by module', s.modules);
  print('inclusive time, project functions', s.inclusive_project);
}
