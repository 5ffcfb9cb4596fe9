import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/healthcheck.js';
import { freePort, killSpawnedNodes, nodeEnv, spawnNode } from '../support/spawn-node.js';

/** The container health check `node dist/healthcheck.js` (docs/deployment.md §1), built by the global setup. */
const HEALTHCHECK = fileURLToPath(new URL('../../dist/healthcheck.js', import.meta.url));

interface CheckResult {
  code: number | null;
  stderr: string;
  elapsedMs: number;
}

function runHealthcheck(mgmtAddr: string | undefined): Promise<CheckResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HYPERCACHE_')) env[k] = v;
  if (mgmtAddr !== undefined) env.HYPERCACHE_MGMT_ADDR = mgmtAddr;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [HEALTHCHECK], { env, timeout: 10_000 }, (_err, _stdout, stderr) => {
      resolve({ code: child.exitCode, stderr, elapsedMs: Date.now() - started });
    });
  });
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

const servers: Server[] = [];
afterEach(async () => {
  await killSpawnedNodes();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

describe('resolveTarget (HYPERCACHE_MGMT_ADDR → where the check dials)', () => {
  it('defaults to 127.0.0.1:8081 when unset or empty', () => {
    expect(resolveTarget(undefined)).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(resolveTarget('')).toEqual({ host: '127.0.0.1', port: 8081 });
  });

  it('dials 127.0.0.1 for :port and the unspecified hosts', () => {
    expect(resolveTarget(':9081')).toEqual({ host: '127.0.0.1', port: 9081 });
    expect(resolveTarget('0.0.0.0:9081')).toEqual({ host: '127.0.0.1', port: 9081 });
    expect(resolveTarget('[::]:9081')).toEqual({ host: '127.0.0.1', port: 9081 });
  });

  it('dials a concrete host as written, IPv6 literals unbracketed', () => {
    expect(resolveTarget('127.0.0.1:8081')).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(resolveTarget('10.1.2.3:8081')).toEqual({ host: '10.1.2.3', port: 8081 });
    expect(resolveTarget('localhost:18081')).toEqual({ host: 'localhost', port: 18081 });
    expect(resolveTarget('[::1]:8081')).toEqual({ host: '::1', port: 8081 });
  });

  it.each(['8081', ':0', ':65536', ':http', '::1:8081', '[zz]:8081', 'host:'])('rejects %j', (raw) => {
    expect(() => resolveTarget(raw)).toThrow(/HYPERCACHE_MGMT_ADDR/);
  });
});

describe('node dist/healthcheck.js', () => {
  it('exits 0 against a running node (:port form, as in the image)', async () => {
    const mgmt = await freePort();
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_MGMT_ADDR: `:${mgmt}` }));
    expect(node.ports.management).toBe(mgmt);
    const result = await runHealthcheck(`:${mgmt}`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('exits 0 against a node bound to a concrete loopback address, and 0 while the node drains (liveness only)', async () => {
    const mgmt = await freePort();
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_MGMT_ADDR: `127.0.0.1:${mgmt}` }));
    expect((await runHealthcheck(`127.0.0.1:${mgmt}`)).code).toBe(0);
    // Drain makes /health/ready 503 but /health/live stays 200 (docs/lifecycle.md §4), so the container stays healthy.
    const drained = await fetch(`http://127.0.0.1:${node.ports.management}/dist/drain`, { method: 'POST' });
    expect(drained.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${mgmt}/health/ready`)).status).toBe(503);
    expect((await runHealthcheck(`127.0.0.1:${mgmt}`)).code).toBe(0);
  });

  it('exits 1 when nothing listens on the management port', async () => {
    const closed = await freePort();
    const result = await runHealthcheck(`:${closed}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
  });

  it('exits 1 when /health/live answers anything but 200', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"error"}');
    });
    servers.push(server);
    const port = await listen(server);
    const result = await runHealthcheck(`:${port}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/answered 503/);
    expect(seen).toEqual(['GET /health/live']);
  });

  it('exits 1 within the 3 s HEALTHCHECK timeout when the port accepts but never answers', async () => {
    const server = createServer(() => undefined); // never responds
    servers.push(server);
    const port = await listen(server);
    const result = await runHealthcheck(`:${port}`);
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(3_000);
  });

  it('exits 1 for an unusable HYPERCACHE_MGMT_ADDR (ephemeral port 0)', async () => {
    const result = await runHealthcheck(':0');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HYPERCACHE_MGMT_ADDR/);
  });
});
