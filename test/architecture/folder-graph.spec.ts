import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ICruiseResult, cruise } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * The folder graph of src/ (docs/architecture.md "Seams"): no import cycle between the top-level
 * folders, nor between the subfolders of core/; features reach the composition root's objects
 * through src/seams/, never through bootstrap/; core/ stays framework-free.
 */
const ROOT = join(import.meta.dirname, '../..');
/** Entry points: they may import the composition root (bootstrap/); nothing else may. */
const ENTRY_POINTS = /^src\/(main\.ts|healthcheck\.ts|bin\/)/;
const FRAMEWORKS = /^(@nestjs\/|@fastify\/|fastify$|undici$|prom-client$|@willsoto\/)/;

/**
 * `src/<top>` outside core/, `src/core/<sub>` inside it; a file directly in src/ or src/core/
 * (main.ts, core/node.ts, core/errors.ts) is a node of its own.
 */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[1] === 'core') return parts.length > 3 ? parts.slice(0, 3).join('/') : file;
  return parts.length > 2 ? parts.slice(0, 2).join('/') : file;
}

/** The strongly connected groups of more than one folder (Tarjan), each sorted. */
function folderCycles(edges: Iterable<[string, string]>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    next.get(a)!.add(b);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return groups;
}

interface Import {
  from: string;
  to: string;
  npm: boolean;
}

let imports: Import[] = [];

beforeAll(async () => {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const { output } = await cruise(['src'], {
      tsPreCompilationDeps: true,
      tsConfig: { fileName: 'tsconfig.json' },
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '^(dist|node_modules)/' },
    }, {}, { tsConfig: { fileName: 'tsconfig.json' } } as never);
    const result = output as ICruiseResult;
    imports = result.modules
      .filter((m) => m.source.startsWith('src/'))
      .flatMap((m) => m.dependencies.map((d) => ({
        from: m.source,
        to: d.resolved,
        npm: d.dependencyTypes.some((t) => t.startsWith('npm') || t === 'core'),
        module: d.module,
      })).map(({ module, ...i }) => (i.npm ? { ...i, to: module } : i)));
  } finally {
    process.chdir(cwd);
  }
}, 120_000);

describe('the folder graph of src/', () => {
  it('reads the whole source tree', () => {
    expect(new Set(imports.map((i) => i.from)).size).toBeGreaterThan(150);
    expect(imports.some((i) => i.from === 'src/main.ts' && i.to === 'src/bootstrap/main-process.ts')).toBe(true);
  });

  it('has no import cycle between top-level folders or between the subfolders of core/', () => {
    const edges = imports.filter((i) => !i.npm && i.to.startsWith('src/')).map((i): [string, string] => [folderOf(i.from), folderOf(i.to)]);
    expect(folderCycles(edges)).toEqual([]);
  });

  it('no feature imports the composition root (bootstrap/); only the entry points do', () => {
    const offenders = imports
      .filter((i) => i.to.startsWith('src/bootstrap/') && !i.from.startsWith('src/bootstrap/') && !ENTRY_POINTS.test(i.from))
      .map((i) => `${i.from} -> ${i.to}`);
    expect(offenders).toEqual([]);
  });

  it('seams/ imports no feature folder, only core/ and config/ types (and Nest itself)', () => {
    const offenders = imports
      .filter((i) => i.from.startsWith('src/seams/') && !i.npm && !/^src\/(seams|core|config)\//.test(i.to))
      .map((i) => `${i.from} -> ${i.to}`);
    expect(offenders).toEqual([]);
  });

  it('core/ imports no Nest, Fastify, undici or prom-client, and no folder outside core/ but config/', () => {
    const fromCore = imports.filter((i) => i.from.startsWith('src/core/'));
    expect(fromCore.length).toBeGreaterThan(100);
    const offenders = fromCore
      .filter((i) => (i.npm ? FRAMEWORKS.test(i.to) : !/^src\/(core|config)\//.test(i.to)))
      .map((i) => `${i.from} -> ${i.to}`);
    expect(offenders).toEqual([]);
  });
});

describe('the core facade (docs/architecture.md "The core facade")', () => {
  it('outside core/ and the composition root, code names the CacheNodeApi facade, never the CacheNode class', () => {
    const files = [...new Set(imports.map((i) => i.from))].filter((f) => !/^src\/(core|bootstrap)\//.test(f));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => /\bCacheNode\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('the checks find what they look for', () => {
  it('folderCycles reports a two-folder cycle and a longer one, and nothing for a DAG', () => {
    expect(folderCycles([['a', 'b'], ['b', 'a'], ['b', 'c']])).toEqual([['a', 'b']]);
    expect(folderCycles([['x', 'y'], ['y', 'z'], ['z', 'x'], ['z', 'w']])).toEqual([['x', 'y', 'z']]);
    expect(folderCycles([['a', 'b'], ['b', 'c'], ['a', 'c'], ['c', 'c']])).toEqual([]);
  });

  it('folderOf splits core/ into its subfolders, keeps the rest at the top level and loose files apart', () => {
    expect(folderOf('src/core/replication/wire.ts')).toBe('src/core/replication');
    expect(folderOf('src/core/node.ts')).toBe('src/core/node.ts');
    expect(folderOf('src/peer/peer.guard.ts')).toBe('src/peer');
    expect(folderOf('src/main.ts')).toBe('src/main.ts');
  });

  it('the framework pattern matches the packages core must not import', () => {
    for (const name of ['@nestjs/common', 'fastify', 'undici', 'prom-client']) expect(FRAMEWORKS.test(name), name).toBe(true);
    for (const name of ['node:crypto', 'fast-check', 'fastify-plugin-x']) expect(FRAMEWORKS.test(name), name).toBe(false);
  });
});
