import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { within } from '../support/poll.js';
import { type CertFixtures, generateCerts, type Pem } from '../support/certs.js';
import { parseSamples, sampleSum } from '../support/prom-text.js';
import { rawRequest, tlsRequest } from '../support/http.js';
import { frame, unframe } from '../support/peer-frame.js';
import { killSpawnedNodes, nodeEnv, type SpawnedNode, spawnNode } from '../support/spawn-node.js';

/**
 * Peer trust of a closed node (docs/auth.md §6.1), black-box over loopback: which
 * configurations boot (the fatal ones are rows of test/boot/fatal-boot.spec.ts), the WARN of the
 * insecure opt-out, `dist_auth` in the started line, and peer certificates restricted by name on a
 * shared CA, inbound and outbound.
 */
const WARNING = 'dist listener is unauthenticated';
const RO_TOKEN = 'ro-token';
const PEER_TOKEN = 'peer-token';

let certs: CertFixtures;
let authFile: string;
beforeAll(() => {
  certs = generateCerts();
  authFile = join(certs.dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ tokens: { [RO_TOKEN]: { id: 'ro', scopes: ['read'] } } }));
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
const peerMtls = (pem: Pem, names?: string) => ({
  HYPERCACHE_DIST_TLS_CERT: pem.certFile,
  HYPERCACHE_DIST_TLS_KEY: pem.keyFile,
  HYPERCACHE_DIST_TLS_CA: certs.ca.certFile,
  ...(names === undefined ? {} : { HYPERCACHE_DIST_TLS_ALLOWED_NAMES: names }),
});
const withCert = (pem?: Pem) => ({ ca: certs.ca.cert, ...(pem ? { cert: pem.cert, key: pem.key } : {}) });
const distUrl = (node: SpawnedNode, path: string) => `https://127.0.0.1:${node.ports.dist}${path}`;

describe('a closed node boots with a peer credential, or with the insecure opt-out', () => {
  it.each([
    ['auth file + DIST_TOKEN', () => ({ HYPERCACHE_AUTH_CONFIG: authFile, HYPERCACHE_DIST_TOKEN: PEER_TOKEN }), 'token'],
    ['AUTH_TOKEN (also the peer token)', () => ({ HYPERCACHE_AUTH_TOKEN: 'shared' }), 'token'],
    ['auth file + peer mTLS with allowed names', () => ({ HYPERCACHE_AUTH_CONFIG: authFile, ...peerMtls(certs.peerA, '*.peers.test') }), 'mtls'],
    ['open client policy (unchanged: no peer credential needed)', () => ({}), 'none'],
    ['open client policy with DIST_INSECURE=true (nothing to opt out of)', () => ({ HYPERCACHE_DIST_INSECURE: 'true' }), 'none'],
  ])('%s → boots without the WARN', async (_name, env, mode) => {
    const node = await spawnNode(await nodeEnv(env()));
    expect(warned(node)).toBe(false);
    expect(started(node)).toMatchObject({ dist_auth: mode });
  });

  it('auth file + DIST_INSECURE=true → boots with the WARN, and the dist listener is open', async () => {
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_AUTH_CONFIG: authFile, HYPERCACHE_DIST_INSECURE: 'true' }));
    expect(records(node).find((r) => r.msg === WARNING)).toMatchObject({ level: 'warn', dist_auth: 'none', variable: 'HYPERCACHE_DIST_INSECURE' });
    expect(started(node)).toMatchObject({ auth_mode: 'closed', dist_auth: 'none' });
    expect((await fetch(`http://127.0.0.1:${node.ports.dist}/health`)).status).toBe(200);
  });

  it('auth file + peer mTLS without allowed names + DIST_INSECURE=true → boots with the WARN', async () => {
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_AUTH_CONFIG: authFile, HYPERCACHE_DIST_INSECURE: 'true', ...peerMtls(certs.server) }));
    expect(records(node).find((r) => r.msg === WARNING)).toMatchObject({ level: 'warn', dist_auth: 'mtls' });
  });

  it("the parser strips whitespace around a header value: 'Bearer <token> ' matches, a doubled inner space does not", async () => {
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_AUTH_CONFIG: authFile, HYPERCACHE_DIST_TOKEN: PEER_TOKEN }));
    const get = (port: number, path: string, authorization: string) =>
      rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization:${authorization}\r\nConnection: close\r\n\r\n`);
    for (const [port, path, token] of [[node.ports.dist, '/health', PEER_TOKEN], [node.ports.client, '/v1/me', RO_TOKEN]] as const) {
      expect((await get(port, path, ` Bearer ${token} `)).status).toBe(200);
      expect((await get(port, path, `\t  Bearer ${token}\t \t`)).status).toBe(200);
      expect((await get(port, path, ` Bearer  ${token}`)).status).toBe(401);
      expect((await get(port, path, ` Bearer ${token}x `)).status).toBe(401);
    }
  });
});

describe('peer certificates named by HYPERCACHE_DIST_TLS_ALLOWED_NAMES, one CA for peers and clients', () => {
  const env = (id: string, pem: Pem, names: string, seeds = '') =>
    nodeEnv({
      HYPERCACHE_NODE_ID: id,
      HYPERCACHE_AUTH_CONFIG: authFile,
      HYPERCACHE_LOG_LEVEL: 'info',
      HYPERCACHE_HEARTBEAT: '200ms',
      HYPERCACHE_GOSSIP_INTERVAL: '200ms',
      ...(seeds === '' ? {} : { HYPERCACHE_SEEDS: seeds }),
      ...peerMtls(pem, names),
    });
  const distAddr = (node: SpawnedNode) => `127.0.0.1:${node.ports.dist}`;
  const metrics = async (node: SpawnedNode) => {
    const r = await fetch(`http://127.0.0.1:${node.ports.management}/metrics`, { headers: { authorization: `Bearer ${RO_TOKEN}` } });
    expect(r.status).toBe(200);
    return parseSamples(await r.text());
  };
  const members = async (node: SpawnedNode) => {
    const r = await fetch(`http://127.0.0.1:${node.ports.management}/cluster/members`, { headers: { authorization: `Bearer ${RO_TOKEN}` } });
    return ((await r.json()) as { members: Array<{ ID: string; State: string }> }).members;
  };

  it('inbound: a peer certificate with an allowed name is served; a client certificate of the same CA gets 401 on every route', async () => {
    const node = await spawnNode(await env('node-a', certs.peerA, '*.peers.test'));
    const peerRead = (pem?: Pem) =>
      tlsRequest(distUrl(node, '/peer/read'), withCert(pem), { method: 'POST', body: frame({ keys: ['k'] }), headers: { 'content-type': 'application/vnd.hypercache.frame' } });

    expect((await tlsRequest(distUrl(node, '/health'), withCert(certs.peerB))).status).toBe(200);
    const read = await peerRead(certs.peerB);
    expect(read.status).toBe(200);
    expect(unframe(read.body).header).toEqual({ entries: [null] });

    for (const pem of [certs.reader, certs.server]) {
      for (const reply of [await peerRead(pem), await tlsRequest(distUrl(node, '/health'), withCert(pem))]) {
        expect(reply.status).toBe(401);
        expect(reply.headers['www-authenticate']).toBe('Bearer');
        expect(JSON.parse(reply.body.toString())).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
      }
    }
    // No certificate, or one of another CA: the handshake fails.
    await expect(tlsRequest(distUrl(node, '/health'), withCert())).rejects.toThrow();
    await expect(tlsRequest(distUrl(node, '/health'), withCert(certs.foreign))).rejects.toThrow();
    expect(sampleSum(await metrics(node), 'hypercache_auth_failures_total', { listener: 'dist', reason: 'unauthenticated' })).toBe(4);
  });

  it('outbound: a node never sends a request to a peer whose certificate is not named; named peers form the cluster', async () => {
    // node-l chains to the same CA and is valid for 127.0.0.1, but its certificate is named localhost.
    const stranger = await spawnNode(await env('node-l', certs.server, '*.peers.test'));
    const a = await spawnNode(await env('node-a', certs.peerA, '*.peers.test', distAddr(stranger)));
    const b = await spawnNode(await env('node-b', certs.peerB, '*.peers.test', distAddr(a)));

    await within('node-a and node-b see each other alive', 25_000, async () => {
      const views = await Promise.all([members(a), members(b)]);
      return views.every((v) => ['node-a', 'node-b'].every((id) => v.some((m) => m.ID === id && m.State === 'alive')));
    }, 100);
    // node-a keeps trying its seed: each join fails at node-a's own certificate check, before a request is sent.
    await within('node-a tried node-l twice', 25_000, async () => {
      return (sampleSum(await metrics(a), 'hypercache_peer_requests_total', { op: 'join', outcome: 'error' }) ?? 0) >= 2;
    }, 100);
    expect(sampleSum(await metrics(stranger), 'hypercache_http_requests_total', { listener: 'dist' }) ?? 0).toBe(0);
    expect((await members(a)).map((m) => m.ID).sort()).toEqual(['node-a', 'node-b']);
    expect((await members(stranger)).map((m) => m.ID)).toEqual(['node-l']);
  }, 90_000);
});
