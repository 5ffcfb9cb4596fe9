import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/spawn-node.js';
import { ROOT } from './support/deploy-tools.js';

/**
 * Dockerfile and .dockerignore (docs/deployment.md §1). No Docker engine on CI machines, so the image is
 * not built here: the instructions are checked statically, and the runtime stage's layout
 * (dist/ + node_modules/ + package.json + openapi/, nothing else) is rebuilt in a temporary
 * directory and started, to prove the server and the health check need nothing more.
 */

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

function stages(): Array<{ from: string; lines: string[] }> {
  const out: Array<{ from: string; lines: string[] }> = [];
  for (const line of instructions) {
    if (/^FROM /i.test(line)) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

describe('Dockerfile (docs/deployment.md §1)', () => {
  const argDefault = (name: string) => instructions.find((l) => l.startsWith(`ARG ${name}=`))?.split('=')[1];

  it('is a multi-stage build: npm ci, npm run build, npm prune --omit=dev in the build stage', () => {
    const [build, runtime] = stages();
    expect(stages()).toHaveLength(2);
    expect(build!.from).toMatch(/ AS build$/);
    const buildText = build!.lines.join('\n');
    expect(buildText).toMatch(/RUN npm ci\b/);
    expect(buildText).toMatch(/npm run build/);
    expect(buildText).toMatch(/npm prune --omit=dev/);
    expect(runtime!.from).toMatch(/ AS runtime$/);
  });

  it('runs on an official Node.js LTS slim image whose major satisfies engines.node', () => {
    const image = argDefault('NODE_IMAGE');
    expect(image).toMatch(/^node:(22|24)-slim$/);
    for (const stage of stages()) expect(stage.from).toMatch(/^FROM \$\{NODE_IMAGE\} AS /);
    const major = Number(/^node:(\d+)/.exec(image!)![1]);
    const minimum = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(minimum, `engines.node ${pkg.engines.node}`).not.toBeNull();
    expect(major).toBeGreaterThanOrEqual(Number(minimum![1]));
    expect(major % 2, 'even majors are the LTS lines').toBe(0);
  });

  it('copies only dist/, node_modules/, package.json and openapi/ into the runtime stage', () => {
    const runtime = stages()[1]!;
    const copies = runtime.lines.filter((l) => l.startsWith('COPY')).map((l) => l.split(/\s+/).filter((w) => !w.startsWith('--')));
    const targets = copies.map((words) => words.at(-1)!.replace(/^\.\//, '').replace(/\/$/, '')).sort();
    expect(targets).toEqual(['dist', 'node_modules', 'openapi', 'package.json']);
    expect(runtime.lines.some((l) => /^RUN /.test(l))).toBe(false); // nothing else is added or run
  });

  it('runs as uid/gid 65532, exposes 8080 8081 7946, starts node dist/main.js in exec form', () => {
    const runtime = stages()[1]!.lines;
    expect(runtime).toContain('USER 65532:65532');
    expect(runtime).toContain('EXPOSE 8080 8081 7946');
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/main.js"]');
    expect(runtime.some((l) => /^CMD /.test(l))).toBe(false);
  });

  it('has an exec-form HEALTHCHECK running node dist/healthcheck.js (10s/3s/10s/3)', () => {
    const hc = stages()[1]!.lines.filter((l) => l.startsWith('HEALTHCHECK'));
    expect(hc).toHaveLength(1);
    expect(hc[0]).toMatch(/--interval=10s/);
    expect(hc[0]).toMatch(/--timeout=3s/);
    expect(hc[0]).toMatch(/--start-period=10s/);
    expect(hc[0]).toMatch(/--retries=3/);
    expect(hc[0]).toMatch(/CMD \["node", "dist\/healthcheck\.js"\]$/);
  });

  it('.dockerignore excludes VCS, tests, docs, local env files, build caches; keeps the build inputs', () => {
    for (const entry of ['.git', 'test/', 'docs/', '.env', '.env.*', 'node_modules/', 'dist/', '.tools/', 'coverage/', '.test-results/', '*.tsbuildinfo']) {
      expect(dockerignore, entry).toContain(entry);
    }
    const ignored = (path: string) =>
      dockerignore.some((p) => {
        const re = new RegExp(`^${p.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
        return re.test(path);
      });
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'src/healthcheck.ts', 'openapi/client.yaml']) {
      expect(ignored(needed), needed).toBe(false);
    }
    for (const path of ['.git/HEAD', 'test/packaging/helm.spec.ts', 'docs/deployment.md', '.env.local', 'node_modules/x', 'dist/main.js']) {
      expect(ignored(path), path).toBe(true);
    }
  });

  it('the server reads the committed OpenAPI documents from <app>/openapi/, one level above dist/', () => {
    const src = readFileSync(join(ROOT, 'src', 'openapi', 'document-yaml.ts'), 'utf8');
    expect(src).toMatch(/new URL\('\.\.\/\.\.\/openapi\/', import\.meta\.url\)/);
    for (const listener of ['client', 'management', 'dist']) expect(existsSync(join(ROOT, 'openapi', `${listener}.yaml`)), listener).toBe(true);
  });
});

describe('the runtime stage layout works on its own', () => {
  const stage = mkdtempSync(join(tmpdir(), 'hypercache-image-'));
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise((r) => { child!.once('exit', r); child!.kill('SIGKILL'); });
    }
    child = undefined;
  });
  afterAll(() => rmSync(stage, { recursive: true, force: true }));

  it('starts from dist/ + node_modules/ + package.json + openapi/ only, serves the OpenAPI document, passes the health check and stops on SIGTERM', async () => {
    // /app of the image: build output (made by the global setup), package.json, openapi/; node_modules linked.
    cpSync(join(ROOT, 'dist'), join(stage, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
    cpSync(join(ROOT, 'openapi'), join(stage, 'openapi'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
    expect(existsSync(join(stage, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(stage, 'dist', 'healthcheck.js'))).toBe(true);

    const [api, mgmt, dist] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: 'production' };
    Object.assign(env, {
      HYPERCACHE_NODE_ID: 'image-test',
      HYPERCACHE_API_ADDR: `:${api}`,
      HYPERCACHE_MGMT_ADDR: `:${mgmt}`,
      HYPERCACHE_DIST_ADDR: `127.0.0.1:${dist}`,
    });
    // Exactly the image's ENTRYPOINT, from the image's WORKDIR.
    const proc = spawn(process.execPath, ['dist/main.js'], { cwd: stage, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 20 s: ${err}`)), 20_000);
      proc.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('"msg":"hypercache-server started"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });

    const served = await fetch(`http://127.0.0.1:${api}/v1/openapi.yaml`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(readFileSync(join(stage, 'openapi', 'client.yaml'), 'utf8'));

    // The image's HEALTHCHECK, with the container's environment.
    const code = await new Promise<number | null>((resolve) => {
      const hc = execFile(process.execPath, ['dist/healthcheck.js'], { cwd: stage, env }, () => resolve(hc.exitCode));
    });
    expect(code).toBe(0);

    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"hypercache-server stopped"');
  });
});
