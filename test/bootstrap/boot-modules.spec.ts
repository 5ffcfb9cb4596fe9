import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killSpawnedNodes, nodeEnv, spawnNode } from '../support/spawn-node.js';

// What a booted node has loaded (bench/PROFILE.md "Issue 18: idle RSS, second pass"): a probe
// loaded with --import counts the real date formatters built and, when the node exits, lists the
// CommonJS modules it loaded.
const dir = mkdtempSync(join(tmpdir(), 'boot-modules-'));
const PROBE = `
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
let built = 0;
const Real = Intl.DateTimeFormat;
Intl.DateTimeFormat = new Proxy(Real, { construct(t, a, n) { built++; return Reflect.construct(t, a, n); } });
process.on('exit', () => writeFileSync(process.env.PROBE_OUT, JSON.stringify({ built, modules: Object.keys(require.cache) })));
`;

afterEach(killSpawnedNodes);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('boot modules', () => {
  it('a started node has built no date formatter and loaded neither the class-validator nor the undici package index', async () => {
    const probe = join(dir, 'probe.mjs');
    const out = join(dir, 'report.json');
    writeFileSync(probe, PROBE);
    const node = await spawnNode(await nodeEnv({ NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, PROBE_OUT: out }), 60_000);
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const { built, modules } = JSON.parse(readFileSync(out, 'utf8')) as { built: number; modules: string[] };
    const loaded = (tail: string) => modules.some((m) => m.replaceAll('\\', '/').includes(tail));
    // The modules the server does use, so that the absences below are not the probe's blind spot.
    expect(loaded('/class-validator/cjs/validation/Validator.js')).toBe(true);
    expect(loaded('/undici/lib/dispatcher/pool.js')).toBe(true);
    expect(loaded('/class-validator/cjs/index.js')).toBe(false);
    expect(loaded('/libphonenumber-js/')).toBe(false);
    expect(loaded('/undici/index.js')).toBe(false);
    expect(built).toBe(0);
  });

  it('the source imports no value from the class-validator, undici or @nestjs/swagger index but where a document is built', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(100);
    // A static value import (`import { X } from 'pkg'`, `import * as x from 'pkg'`); `import type` loads nothing.
    const valueImport = (pkg: string) => new RegExp(String.raw`^import\s+(?!type\s)[^;]*?from\s+'${pkg}';`, 'ms');
    const offenders = files.filter((f) => {
      const text = readFileSync(join(src, f), 'utf8');
      if (valueImport('class-validator').test(text) || valueImport('undici').test(text)) return true;
      return valueImport('@nestjs/swagger').test(text) && f.replaceAll('\\', '/') !== 'openapi/build-document.ts';
    });
    expect(offenders).toEqual([]);
    expect(valueImport('@nestjs/swagger').test(readFileSync(join(src, 'openapi/build-document.ts'), 'utf8'))).toBe(true);
  });
});
