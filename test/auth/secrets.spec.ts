import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthConfig } from '../../src/config/auth-config.js';
import { createPeerClient } from '../../src/peer/peer-client.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { rawRequest, send } from '../support/http.js';
import { killSpawnedNodes, nodeEnv, spawnNode } from '../support/spawn-node.js';

/** docs/lifecycle.md §5: at `debug`, after authenticated and failed requests, no log line carries a credential. */
const FILE_TOKENS = { 'secret-read-5c1d9e': ['read'], 'secret-write-77ab02': ['write'], 'secret-admin-e4f310': ['admin', 'read'] } as const;
const PEER_TOKEN = 'secret-peer-0b8a61';
const WRONG = ['secret-wrong-91f0c3', 'secret-wrong-peer-3d2b7a'];
const AUTH_FILE = parseAuthConfig(
  JSON.stringify({ tokens: Object.fromEntries(Object.entries(FILE_TOKENS).map(([t, scopes], i) => [t, { id: `id-${i}`, scopes }])) }),
  { oidcEnabled: false },
);

/** Every way a credential could show up in a line. */
function leaks(lines: string[], secrets: string[]): string[] {
  return lines.filter((line) => secrets.some((s) => line.includes(s)) || /bearer /i.test(line) || /"authorization"/i.test(line));
}

/** A mix of authenticated, unauthenticated, malformed and failing requests carrying `token`. */
async function traffic(node: { api: string; mgmt: string; dist: string; apiPort: number }, token: string, peerToken: string): Promise<void> {
  const variants = [`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token}`, `Bearer ${WRONG[0]}`, `Basic ${Buffer.from(`u:${token}`).toString('base64')}`, token];
  for (const authorization of variants) {
    await send(node.api, 'GET', '/v1/me', { headers: { authorization } });
    await send(node.api, 'PUT', '/v1/cache/k', { headers: { authorization, 'content-length': 1 }, body: 'v' });
    await send(node.api, 'GET', '/v1/cache/%ZZ', { headers: { authorization } });
    await send(node.api, 'GET', '/v1/nope', { headers: { authorization } });
    await send(node.mgmt, 'GET', '/stats', { headers: { authorization } });
    await send(node.mgmt, 'POST', '/evict', { headers: { authorization, 'content-length': 0 } });
    await send(node.dist, 'GET', '/health', { headers: { authorization } });
  }
  for (const authorization of [`Bearer ${peerToken}`, `Bearer ${WRONG[1]}`]) {
    await send(node.dist, 'GET', '/health', { headers: { authorization, 'x-hypercache-protocol': '9' } });
  }
  // Requests Node's parser refuses: the client-error path answers them, with the header in the raw bytes.
  await rawRequest(node.apiPort, `GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: x\r\n\r\n`).catch(() => undefined);
  await rawRequest(node.apiPort, `PUT /v1/cache/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n`);
}

describe('secrets never reach the logs (in process, debug level)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ logLevel: 'debug', authConfigFile: 'auth.json', distToken: PEER_TOKEN }, { authFile: AUTH_FILE });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('auth-file tokens, the peer token and wrong tokens appear in no line', async () => {
    for (const token of Object.keys(FILE_TOKENS)) {
      await traffic({ ...node, apiPort: node.ports.api }, token, PEER_TOKEN);
    }
    const client = createPeerClient(node.core.config, node.core.logger);
    try {
      await client.call(`127.0.0.1:${node.ports.dist}`, { method: 'GET', path: '/health', timeoutMs: 2000 });
      await client.call(`127.0.0.1:${node.ports.mgmt}`, { method: 'GET', path: '/stats', timeoutMs: 2000 });
    } finally {
      await client.close();
    }
    // Not vacuous: the debug access log saw the requests.
    expect(node.logs.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(100);
    expect(leaks(node.logs, [...Object.keys(FILE_TOKENS), PEER_TOKEN, ...WRONG])).toEqual([]);
  });
});

describe('secrets never reach stdout or stderr (process, debug level)', () => {
  afterEach(killSpawnedNodes);

  it('HYPERCACHE_AUTH_TOKEN and HYPERCACHE_DIST_TOKEN appear in no output, boot and shutdown included', async () => {
    const token = 'secret-legacy-2a9c44';
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_LOG_LEVEL: 'debug', HYPERCACHE_AUTH_TOKEN: token, HYPERCACHE_DIST_TOKEN: PEER_TOKEN }));
    const base = (port: number) => `http://127.0.0.1:${port}`;
    await traffic({ api: base(node.ports.client), mgmt: base(node.ports.management), dist: base(node.ports.dist), apiPort: node.ports.client }, token, PEER_TOKEN);
    expect((await send(base(node.ports.management), 'GET', '/config', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const lines = `${node.stdout()}\n${node.stderr()}`.split('\n');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(40);
    expect(leaks(lines, [token, PEER_TOKEN, ...WRONG])).toEqual([]);
  });
});
