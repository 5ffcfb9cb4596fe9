import { request } from 'node:http';
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Container health check (docs/deployment.md §1): `node dist/healthcheck.js`, run by the image's exec-form
 * HEALTHCHECK and by the compose file. GETs `http://127.0.0.1:<mgmt port>/health/live` and exits 0
 * on 200, 1 on anything else (other status, refused, timeout, unusable HYPERCACHE_MGMT_ADDR).
 *
 * Deliberately tiny: Node built-ins only (no Nest, no config module, no package), so it starts in a
 * few tens of milliseconds and cannot fail because of the application's own boot path.
 */

export const DEFAULT_MGMT_ADDR = ':8081';
/** Whole check, connect to last byte; below the 3 s HEALTHCHECK timeout. */
export const TIMEOUT_MS = 2_000;

export interface Target {
  host: string;
  port: number;
}

/**
 * Where to dial, from `HYPERCACHE_MGMT_ADDR` (`:port`, `host:port` or `[v6]:port`; empty → `:8081`).
 * `:port` and the unspecified hosts (`0.0.0.0`, `[::]`) bind every interface and are dialled on
 * 127.0.0.1. A concrete host is dialled as written, because a listener bound to one address
 * (say `10.0.0.5:8081` or `[::1]:8081`) is not reachable on 127.0.0.1. Port 0 (ephemeral) cannot
 * be probed and is an error.
 */
export function resolveTarget(raw: string | undefined): Target {
  const addr = raw === undefined || raw === '' ? DEFAULT_MGMT_ADDR : raw;
  const colon = addr.lastIndexOf(':');
  if (colon < 0) throw new Error(`HYPERCACHE_MGMT_ADDR ${JSON.stringify(addr)}: missing ":port"`);
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new Error(`HYPERCACHE_MGMT_ADDR ${JSON.stringify(addr)}: expected a port from 1 to 65535`);
  }
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) throw new Error(`HYPERCACHE_MGMT_ADDR ${JSON.stringify(addr)}: invalid IPv6 literal`);
  } else if (host.includes(':')) {
    throw new Error(`HYPERCACHE_MGMT_ADDR ${JSON.stringify(addr)}: IPv6 hosts must be bracketed`);
  }
  const unspecified = host === '' || host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
  return { host: unspecified ? '127.0.0.1' : host, port: Number(portText) };
}

/** Resolves with the HTTP status of `GET /health/live`, or rejects (refused, reset, timeout). */
export function probe(target: Target, timeoutMs = TIMEOUT_MS): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.host, port: target.port, path: '/health/live', method: 'GET', agent: false, timeout: timeoutMs, headers: { connection: 'close' } },
      (res) => {
        res.resume(); // the body is not needed; drain it so the socket closes
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

/** Exit code of the check: 0 when /health/live answers 200, else 1 (reason on stderr). */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const target = resolveTarget(env.HYPERCACHE_MGMT_ADDR);
    const status = await probe(target);
    if (status === 200) return 0;
    process.stderr.write(`healthcheck: /health/live answered ${status}\n`);
  } catch (err) {
    process.stderr.write(`healthcheck: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return 1;
}

// Run only as the entry point (`node dist/healthcheck.js`), not when imported by a test.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) void run().then((code) => process.exit(code));
