import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CertFixtures, generateCerts } from '../support/certs.js';
import { killSpawnedNodes, nodeEnv, type SpawnedNode, spawnNode } from '../support/spawn-node.js';
import { tlsRequest } from '../support/tls-request.js';

/**
 * CONTRACT §1.6 / §3.6: WARN `dist listener is unauthenticated` at boot exactly when the client
 * policy is closed and the dist listener has neither a peer token nor peer mTLS; `dist_auth` in
 * the started line. Process tests: the warning and the file loading belong to main.ts.
 */
const WARNING = 'dist listener is unauthenticated';

let certs: CertFixtures;
let authFile: string;
beforeAll(() => {
  certs = generateCerts();
  authFile = join(certs.dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ tokens: { 'ro-token': { id: 'ro', scopes: ['read'] } } }));
});
afterAll(() => certs.remove());
afterEach(killSpawnedNodes);

const records = (node: SpawnedNode) =>
  node
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const started = (node: SpawnedNode) => records(node).find((r) => r.msg === 'hypercache-server started');
const warned = (node: SpawnedNode) => records(node).some((r) => r.msg === WARNING && r.level === 'warn');

describe('boot warning for an open dist listener', () => {
  it('closed client policy, no peer token, no peer mTLS → WARN, dist_auth none', async () => {
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_AUTH_CONFIG: authFile }));
    expect(warned(node)).toBe(true);
    expect(started(node)).toMatchObject({ auth_mode: 'closed', dist_auth: 'none' });
  });

  it.each([
    ['open client policy', () => ({}), 'none'],
    ['AUTH_TOKEN (also the peer token)', () => ({ HYPERCACHE_AUTH_TOKEN: 'shared' }), 'token'],
    ['auth file + DIST_TOKEN', () => ({ HYPERCACHE_AUTH_CONFIG: authFile, HYPERCACHE_DIST_TOKEN: 'peer' }), 'token'],
  ])('%s → no WARN', async (_name, env, mode) => {
    const node = await spawnNode(await nodeEnv(env()));
    expect(warned(node)).toBe(false);
    expect(started(node)).toMatchObject({ dist_auth: mode });
  });

  it('auth file + DIST_TLS_* → no WARN, and the dist listener requires a peer certificate', async () => {
    const node = await spawnNode(
      await nodeEnv({
        HYPERCACHE_AUTH_CONFIG: authFile,
        HYPERCACHE_DIST_TLS_CERT: certs.server.certFile,
        HYPERCACHE_DIST_TLS_KEY: certs.server.keyFile,
        HYPERCACHE_DIST_TLS_CA: certs.ca.certFile,
      }),
    );
    expect(warned(node)).toBe(false);
    expect(started(node)).toMatchObject({ dist_auth: 'mtls' });
    expect(records(node).find((r) => r.msg === 'listener bound' && r.listener === 'dist')).toMatchObject({ tls: true });
    const url = `https://127.0.0.1:${node.ports.dist}/health`;
    await expect(tlsRequest(url, { ca: certs.ca.cert })).rejects.toThrow();
    expect((await tlsRequest(url, { ca: certs.ca.cert, cert: certs.server.cert, key: certs.server.key })).status).toBe(200);
  });
});
