import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { testConfig } from '../support/test-config.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

const TOKEN = 's3cret';
const UNAUTHORIZED = { error: 'unauthorized', code: 'UNAUTHORIZED' };

/** Every variable of docs/configuration.md §1, copied from docs/. */
const SECTION_2_1 = `NODE_ID API_ADDR MGMT_ADDR DIST_ADDR DIST_ADVERTISE_ADDR SEEDS REPLICATION CAPACITY MAX_MEMORY EVICTION
  MAX_VALUE_BYTES LOG_LEVEL LOG_FORMAT HEARTBEAT INDIRECT_PROBE_K GOSSIP_INTERVAL VNODES READ_CONSISTENCY
  WRITE_CONSISTENCY HINT_TTL HINT_REPLAY HINT_MAX_PER_NODE HINT_MAX_BYTES REBALANCE_INTERVAL MERKLE_INTERVAL
  TOMBSTONE_TTL SHUTDOWN_TIMEOUT API_TLS_CERT API_TLS_KEY API_TLS_CLIENT_CA AUTH_TOKEN AUTH_CONFIG OIDC_ISSUER
  OIDC_AUDIENCE OIDC_IDENTITY_CLAIM OIDC_SCOPE_CLAIM DIST_TOKEN DIST_TLS_CERT DIST_TLS_KEY DIST_TLS_CA API_ADVERTISE_ADDR
  DIST_TLS_ALLOWED_NAMES DIST_INSECURE`
  .split(/\s+/)
  .map((v) => `HYPERCACHE_${v}`);

const READ_ROUTES = [
  '/stats', '/config', '/metrics', '/dist/metrics', '/dist/owners?key=a',
  '/cluster/members', '/cluster/ring', '/cluster/heartbeat', '/cluster/events',
];
const ADMIN_ROUTES = ['/dist/drain', '/evict', '/trigger-expiration', '/clear'];

describe('management in closed mode (HYPERCACHE_AUTH_TOKEN)', () => {
  let node: TestNode;
  beforeAll(async () => {
    const loaded = loadConfig(
      {
        HYPERCACHE_NODE_ID: 'node-auth',
        HYPERCACHE_API_ADDR: '127.0.0.1:0',
        HYPERCACHE_MGMT_ADDR: '127.0.0.1:0',
        HYPERCACHE_DIST_ADDR: '127.0.0.1:7946',
        HYPERCACHE_AUTH_TOKEN: TOKEN,
        HYPERCACHE_HEARTBEAT: '1500ms',
        HYPERCACHE_MAX_MEMORY: '8MiB',
        HYPERCACHE_LOG_LEVEL: 'ERROR',
      },
      'test-host',
    );
    // The dist port must be 1–65535 in the environment; the test binds an ephemeral one.
    node = await startTestNode({ ...loaded, distAddr: testConfig().distAddr });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('scoped routes answer 401 with WWW-Authenticate without a valid bearer', async () => {
    const attempts: Array<[string, string, Record<string, string>]> = [];
    for (const path of READ_ROUTES) attempts.push(['GET', path, {}], ['GET', path, { authorization: `Bearer ${TOKEN}x` }]);
    for (const path of ADMIN_ROUTES) {
      attempts.push(['POST', path, {}], ['POST', path, { authorization: `bearer ${TOKEN}` }], ['POST', path, { authorization: `Bearer  ${TOKEN}` }]);
    }
    for (const [method, path, headers] of attempts) {
      const r = await fetch(`${node.mgmt}${path}`, { method, headers });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(await r.json()).toEqual(UNAUTHORIZED);
    }
    expect(node.core.node.isDraining()).toBe(false);
  });

  it('an unauthenticated oversized POST gets 401, not 413', async () => {
    const r = await fetch(`${node.mgmt}/clear`, { method: 'POST', body: 'x'.repeat(100 * 1024) });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual(UNAUTHORIZED);
  });

  it('the probes stay public and ignore credentials', async () => {
    for (const path of ['/health', '/health/ready', '/health/live']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
        const r = await fetch(`${node.mgmt}${path}`, { headers });
        expect(r.status, path).toBe(200);
      }
    }
  });

  it('auth failures are counted per listener and reason', async () => {
    const r = await fetch(`${node.mgmt}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    const line = text.split('\n').find((l) => l.startsWith('hypercache_auth_failures_total{listener="management",reason="unauthenticated"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(READ_ROUTES.length * 2 + ADMIN_ROUTES.length * 3 + 1);
    expect(text).not.toContain(TOKEN);
  });

  it('GET /config with the token: every docs/configuration.md §1 variable, secrets redacted', async () => {
    const r = await fetch(`${node.mgmt}/config`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    const raw = await r.text();
    expect(raw).not.toContain(TOKEN);
    const body = JSON.parse(raw);
    expect(body).toMatchObject({
      nodeId: 'node-auth', capacity: 100000, allocation: 0, maxCacheSize: 8 * 1024 * 1024, evictionAlgorithm: 'lru',
      evictionInterval: '0s', expirationInterval: '100ms', replication: 3, virtualNodesPerNode: 64, readConsistency: 'one', writeConsistency: 'quorum',
    });
    expect(Object.keys(body).sort()).toEqual([
      'allocation', 'capacity', 'env', 'evictionAlgorithm', 'evictionInterval', 'expirationInterval', 'maxCacheSize', 'nodeId',
      'readConsistency', 'replication', 'virtualNodesPerNode', 'writeConsistency',
    ]);
    expect(Object.keys(body.env).sort()).toEqual([...SECTION_2_1].sort());
    for (const v of Object.values(body.env)) expect(typeof v).toBe('string');
    expect(body.env).toMatchObject({
      HYPERCACHE_NODE_ID: 'node-auth',
      HYPERCACHE_AUTH_TOKEN: '<redacted>',
      HYPERCACHE_DIST_TOKEN: '',
      HYPERCACHE_HEARTBEAT: '1.5s',
      HYPERCACHE_TOMBSTONE_TTL: '10m0s',
      HYPERCACHE_MAX_MEMORY: String(8 * 1024 * 1024),
      HYPERCACHE_LOG_LEVEL: 'error',
      HYPERCACHE_AUTH_CONFIG: '',
      HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '',
      HYPERCACHE_DIST_INSECURE: 'false',
    });
  });

  it('the admin actions work with the token', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const clear = await fetch(`${node.mgmt}/clear`, { method: 'POST', headers: auth });
    expect(clear.status).toBe(200);
    expect(await clear.json()).toEqual({ cleared: 0, node: 'node-auth' });
    const drain = await fetch(`${node.mgmt}/dist/drain`, { method: 'POST', headers: auth });
    expect(drain.status).toBe(200);
    expect(node.core.node.isDraining()).toBe(true);
  });
});

describe('management with an auth config file (scopes are not hierarchical)', () => {
  const READER = 'reader-token-1f3a';
  const ADMIN = 'admin-token-9c2b';
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode(
      { authConfigFile: '/etc/hypercache/auth.json' },
      {
        authFile: {
          tokens: [
            { token: READER, id: 'dashboards', scopes: ['read'] },
            { token: ADMIN, id: 'ops', scopes: ['admin'] },
          ],
          certificates: [],
        },
      },
    );
  });
  afterAll(async () => {
    await node.stop();
  });

  const call = (method: string, path: string, token: string) =>
    fetch(`${node.mgmt}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  it('read routes need read: 200 for the reader, 403 for an admin-only identity', async () => {
    for (const path of READ_ROUTES.filter((p) => p !== '/cluster/events')) {
      const ok = await call('GET', path, READER);
      expect(ok.status, path).toBe(200);
      const raw = await ok.text();
      expect(raw).not.toContain(READER);
      expect(raw).not.toContain(ADMIN);
      const denied = await call('GET', path, ADMIN);
      expect(denied.status, path).toBe(403);
      expect(await denied.json()).toEqual({ error: 'forbidden: requires scope read', code: 'FORBIDDEN' });
    }
    const events = await call('GET', '/cluster/events', ADMIN);
    expect(events.status).toBe(403);
    await events.body?.cancel();
  });

  it('admin actions need admin: 403 for the reader, served for the admin', async () => {
    for (const path of ADMIN_ROUTES) {
      const denied = await call('POST', path, READER);
      expect(denied.status, path).toBe(403);
      expect(await denied.json()).toEqual({ error: 'forbidden: requires scope admin', code: 'FORBIDDEN' });
    }
    expect(node.core.node.isDraining()).toBe(false);
    const clear = await call('POST', '/clear', ADMIN);
    expect(clear.status).toBe(200);
    expect(await clear.json()).toEqual({ cleared: 0, node: 'node-test' });
  });

  it('a forbidden oversized POST is 403, not 413', async () => {
    const r = await fetch(`${node.mgmt}/evict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READER}` },
      body: 'x'.repeat(100 * 1024),
    });
    expect(r.status).toBe(403);
  });

  it('403s are counted as forbidden auth failures', async () => {
    const text = await (await call('GET', '/metrics', READER)).text();
    const line = text.split('\n').find((l) => l.startsWith('hypercache_auth_failures_total{listener="management",reason="forbidden"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(READ_ROUTES.length + ADMIN_ROUTES.length + 1);
  });
});
