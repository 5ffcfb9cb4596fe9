import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, type DocumentAnswer, type DocumentServer, startDocumentServer, startTestProvider, type TestProvider } from '../support/oidc-provider.js';
import { json, send } from '../support/http.js';
import { killSpawnedNodes, nodeEnv, runToExit, spawnNode } from '../support/spawn-node.js';

const WELL_KNOWN = '/.well-known/openid-configuration';

/** Boot step 5 in a real process (docs/lifecycle.md §2, docs/configuration.md §4): discovery failures are fatal, one stderr line each. */
describe('OIDC at boot (node process)', () => {
  let provider: TestProvider;
  let docs: DocumentServer;
  let busy: Server;
  let closedPort: number;

  beforeAll(async () => {
    provider = await startTestProvider();
    docs = await startDocumentServer((path, base): DocumentAnswer => {
      const issuer = `${base}${path.slice(0, -WELL_KNOWN.length)}`;
      const jwks_uri = `${base}/jwks`;
      switch (path.slice(0, -WELL_KNOWN.length)) {
        case '/status503':
          return { status: 503, body: { error: 'maintenance' } };
        case '/notjson':
          return { headers: { 'content-type': 'text/html' }, body: '<html>sign in</html>' };
        case '/mismatch':
          return { body: { issuer: `${base}/other`, jwks_uri } };
        case '/nojwks':
          return { body: { issuer } };
        case '/hs256':
          return { body: { issuer, jwks_uri, id_token_signing_alg_values_supported: ['HS256'] } };
        default:
          return { status: 404, body: {} };
      }
    });
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
  });
  afterEach(async () => {
    await killSpawnedNodes();
  });
  afterAll(async () => {
    await provider?.close();
    await docs?.close();
    await new Promise((r) => busy.close(r));
  });

  const oidcEnv = (issuer: string, extra: Record<string, string> = {}) => nodeEnv({ HYPERCACHE_OIDC_ISSUER: issuer, HYPERCACHE_OIDC_AUDIENCE: AUDIENCE, ...extra });

  // None of these nodes has a peer credential: the discovery failure is reported first (docs/configuration.md §4 order).
  const rows: Array<[string, () => string, RegExp]> = [
    ['unreachable', () => `http://127.0.0.1:${closedPort}`, /failed: unreachable \(ECONNREFUSED\)$/],
    ['non-2xx', () => `${docs.base}/status503`, /failed: unexpected HTTP status 503 \(expected 200\)$/],
    ['invalid document', () => `${docs.base}/notjson`, /failed: invalid document: not JSON$/],
    ['issuer mismatch', () => `${docs.base}/mismatch`, /failed: issuer mismatch: the document names "http:\/\/127\.0\.0\.1:\d+\/other"$/],
    ['no jwks_uri', () => `${docs.base}/nojwks`, /failed: no jwks_uri in the document$/],
    ['only HS256 listed', () => `${docs.base}/hs256`, /failed: id_token_signing_alg_values_supported lists no asymmetric algorithm \(\["HS256"\]\)$/],
  ];

  it.each(rows)('%s → exit 1 with one fatal line naming the variable and the issuer', async (_name, issuer, reason) => {
    const r = await runToExit(await oidcEnv(issuer()));
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`hypercache-server: fatal: HYPERCACHE_OIDC_ISSUER: OIDC discovery of "${issuer()}" failed: `)).toBe(true);
    expect(lines[0]).toMatch(reason);
    expect(r.stdout).not.toContain('hypercache-server started');
  });

  it('discovery runs before any listener is bound (a busy port is not what gets reported)', async () => {
    const port = (busy.address() as { port: number }).port;
    const r = await runToExit(await oidcEnv(`${docs.base}/nojwks`, { HYPERCACHE_DIST_ADDR: `127.0.0.1:${port}` }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hypercache-server: fatal: HYPERCACHE_OIDC_ISSUER: .*no jwks_uri/);
  });

  it('a reachable provider but no peer credential → exit 1 after discovery, naming the three ways out', async () => {
    const r = await runToExit(await oidcEnv(provider.issuer));
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hypercache-server: fatal: HYPERCACHE_DIST_TOKEN: not set while client auth is on \(HYPERCACHE_OIDC_ISSUER\) /);
    for (const way of ['HYPERCACHE_DIST_TOKEN,', 'HYPERCACHE_DIST_TLS_ALLOWED_NAMES', 'HYPERCACHE_DIST_INSECURE=true']) expect(lines[0]).toContain(way);
    expect(r.stdout).not.toContain('hypercache-server started');
  });

  it('a reachable provider: closed mode, oidc_enabled, tokens verified, no token in the debug log', async () => {
    const node = await spawnNode(await oidcEnv(provider.issuer, { HYPERCACHE_LOG_LEVEL: 'debug', HYPERCACHE_DIST_TOKEN: 'peer-token' }));
    const api = `http://127.0.0.1:${node.ports.client}`;
    const token = await provider.token({ scope: 'read' });
    const r = await send(api, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ id: 'cache-tests', scopes: ['read'], capabilities: ['cache.read'] });
    const bad = await send(api, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}x` } });
    expect(bad.status).toBe(401);

    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const lines = node.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'hypercache-server started')).toMatchObject({ auth_mode: 'closed', oidc_enabled: true });
    expect(lines.find((l) => l.msg === 'OIDC issuer uses plain http')).toMatchObject({ level: 'warn', issuer: provider.issuer });
    expect(lines.some((l) => l.msg !== undefined && l.route !== undefined)).toBe(true); // access log lines were written
    expect(node.stdout()).not.toContain(token.split('.')[1]!);
    expect(node.stdout()).not.toContain('Bearer');
    expect(node.stderr()).toBe('');
  });
});
