import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The project stands alone (docs/README.md §3): nothing in the repository points at a
 * specification outside it, and every `docs/<file>.md §<n>` citation names a heading that exists.
 * docs/ is the specification of record; code, tests, the chart and the OpenAPI documents cite it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = 'test/architecture/stands-alone.spec.ts';
/** What must stand alone. */
const ROOTS = ['README.md', 'docs/', 'src/', 'test/', 'bench/', 'scripts/', 'helm/', 'openapi/', 'clients/'];
/** Where `docs/<file>.md §<n>` citations are checked against the headings. */
const CITING_ROOTS = ['src/', 'test/', 'bench/', 'scripts/', 'helm/', 'clients/'];

/**
 * References to a document outside the repository: the old external spec by name (the word, any
 * case, so "contract's" too; "contracts" or identifiers such as `contractual` are other words), or
 * a path that leaves the repository towards the shared folder.
 */
const OUTSIDE = [/\bcontract\b/i, /\.\.\/shared\b/, /\bshared\/spec\//];

/** Tracked files (git), or every file under the roots when git is not available. */
function repositoryFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z', '--', ...ROOTS], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  } catch {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else out.push(relative(ROOT, path).split('\\').join('/'));
      }
    };
    for (const r of ROOTS) {
      const path = join(ROOT, r);
      if (!existsSync(path)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(r);
    }
    return out;
  }
}

/** Text content, or undefined for a binary file (a NUL byte in the first 8 KiB). */
function textOf(file: string): string | undefined {
  const buf = readFileSync(join(ROOT, file));
  return buf.subarray(0, 8192).includes(0) ? undefined : buf.toString('utf8');
}

const FILES = repositoryFiles().filter((f) => f !== SELF);

/** The section numbers of every docs/*.md: `## 4. Write path` → "4", `### 3.1 The quorum floor` → "3.1". */
function docSections(): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  for (const name of readdirSync(join(ROOT, 'docs'))) {
    if (!name.endsWith('.md')) continue;
    const text = readFileSync(join(ROOT, 'docs', name), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const numbers = new Set<string>();
    for (const m of text.matchAll(/^#{1,6}[ \t]+(\d+(?:\.\d+)*)\.?[ \t]/gm)) numbers.add(m[1]!);
    sections.set(name, numbers);
  }
  return sections;
}

/** `docs/<file>.md §a`, with the `§b` items that continue its list (`, §b`, `/§b`, `and §b`, `–§b`). */
const CITATION = /docs\/([\w.-]+\.md)[ \t]?§[ \t]?(\d+(?:\.\d+)*)((?:[ \t]?(?:,|\/|and|–|-)[ \t]?§[ \t]?\d+(?:\.\d+)*)*)/g;

describe('the project stands alone', () => {
  it('finds the files it checks', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(FILES).toContain('README.md');
    expect(FILES.some((f) => f.startsWith('docs/'))).toBe(true);
  });

  it('no file under README.md, docs/, src/, test/, bench/, scripts/, helm/, openapi/ points at a document outside the repository', () => {
    const hits: string[] = [];
    for (const file of FILES) {
      const text = textOf(file);
      if (text === undefined) continue;
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 140)}`);
      });
    }
    expect(hits, 'cite a docs/ section instead (docs/README.md §3)').toEqual([]);
  });

  it('every docs/<file>.md §<n> citation names a heading of that file', () => {
    const sections = docSections();
    const broken: string[] = [];
    let checked = 0;
    for (const file of FILES.filter((f) => CITING_ROOTS.some((r) => f.startsWith(r)))) {
      const text = textOf(file);
      if (text === undefined) continue;
      text.split('\n').forEach((line, i) => {
        for (const m of line.matchAll(CITATION)) {
          const doc = m[1]!;
          const numbers = [m[2]!, ...[...(m[3] ?? '').matchAll(/§[ \t]?(\d+(?:\.\d+)*)/g)].map((n) => n[1]!)];
          for (const n of numbers) {
            checked++;
            if (!sections.get(doc)?.has(n)) broken.push(`${file}:${i + 1}: docs/${doc} §${n}`);
          }
        }
      });
    }
    expect(checked, 'no citation found: the pattern no longer matches the code').toBeGreaterThan(50);
    expect(broken, 'a cited section does not exist; fix the citation or the heading (docs/README.md §3)').toEqual([]);
  });

  it('every docs/ page is listed in the index', () => {
    const index = readFileSync(join(ROOT, 'docs', 'README.md'), 'utf8');
    const pages = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md') && n !== 'README.md');
    expect(pages.filter((p) => !index.includes(`](${p})`))).toEqual([]);
  });
});
