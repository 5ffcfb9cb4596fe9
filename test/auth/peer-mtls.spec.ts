import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeerClient } from '../../src/peer/peer-client.js';
import { type CertFixtures, generateCerts, type Pem } from '../support/certs.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { send, type ConnectOptions, tlsRequest } from '../support/http.js';

/** docs/auth.md §6.1: peer mTLS on the dist listener, alone, with the peer token and with named certificates; outbound verification. */
let certs: CertFixtures;
beforeAll(() => {
  certs = generateCerts();
});
afterAll(() => certs.remove());

const distTls = (pem: Pem) => ({ cert: pem.cert, key: pem.key, ca: certs.ca.cert });
const withCert = (pem?: Pem): ConnectOptions => ({ ca: certs.ca.cert, ...(pem ? { cert: pem.cert, key: pem.key } : {}) });
const health = (node: TestNode, connect: ConnectOptions, headers?: Record<string, string>) =>
  tlsRequest(`${node.dist}/health`, connect, { headers });
const address = (node: TestNode) => `127.0.0.1:${node.ports.dist}`;

describe('peer mTLS + peer token', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: 'peer', logLevel: 'info' }, { distTls: distTls(certs.server) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('the dist listener is bound with TLS', () => {
    const bound = node.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'listener bound' && l.listener === 'dist');
    expect(bound).toMatchObject({ tls: true });
  });

  it('a client without a certificate, or with one from another CA, fails the handshake', async () => {
    await expect(health(node, withCert(), { authorization: 'Bearer peer' })).rejects.toThrow();
    await expect(health(node, withCert(certs.foreign), { authorization: 'Bearer peer' })).rejects.toThrow();
  });

  it('the right certificate still needs the token', async () => {
    expect((await health(node, withCert(certs.server))).status).toBe(401);
    const ok = await health(node, withCert(certs.server), { authorization: 'Bearer peer' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString())).toEqual({ status: 'ok', node: 'node-a' });
  });

  it('TLS 1.1 is refused; plain HTTP gets no answer', async () => {
    const tls11 = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    await expect(health(node, { ...withCert(certs.server), ...tls11 })).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    await expect(send(`http://${address(node)}`, 'GET', '/health')).rejects.toThrow();
  });

  it('the peer client presents the certificate and the token', async () => {
    const client = createPeerClient(node.core.config, node.core.logger, distTls(certs.server));
    try {
      const r = await client.call(address(node), { method: 'GET', path: '/health', timeoutMs: 2000 });
      expect(r.status).toBe(200);
    } finally {
      await client.close();
    }
  });
});

describe('peer mTLS alone', () => {
  let node: TestNode;
  let wrongHost: TestNode;
  beforeAll(async () => {
    [node, wrongHost] = await Promise.all([
      startTestNode({ nodeId: 'node-m' }, { distTls: distTls(certs.server) }),
      startTestNode({ nodeId: 'node-w' }, { distTls: distTls(certs.wrongHost) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([node.stop(), wrongHost.stop()]);
  });

  it('a certificate chaining to the dist CA is enough', async () => {
    expect((await health(node, withCert(certs.server))).status).toBe(200);
    await expect(health(node, withCert())).rejects.toThrow();
  });

  it('the peer client verifies the peer against the dist CA, host name included', async () => {
    const client = createPeerClient(node.core.config, node.core.logger, distTls(certs.server));
    try {
      expect((await client.call(address(node), { method: 'GET', path: '/health', timeoutMs: 2000 })).status).toBe(200);
      // wrongHost's certificate chains to the CA but names elsewhere.internal, not 127.0.0.1.
      await expect(client.call(address(wrongHost), { method: 'GET', path: '/health', timeoutMs: 2000 })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    } finally {
      await client.close();
    }
  });

  it('a peer client trusting another CA refuses the peer', async () => {
    const client = createPeerClient(node.core.config, node.core.logger, { ...distTls(certs.server), ca: certs.otherCa.cert });
    try {
      // The node sends its chain (leaf + dist CA), which the other CA cannot anchor.
      await expect(client.call(address(node), { method: 'GET', path: '/health', timeoutMs: 2000 })).rejects.toThrow(/certificate/);
    } finally {
      await client.close();
    }
  });
});

describe('peer certificate names (HYPERCACHE_DIST_TLS_ALLOWED_NAMES=*.peers.test)', () => {
  let named: TestNode;
  let localhost: TestNode;
  const namedTls = () => ({ certFile: certs.peerA.certFile, keyFile: certs.peerA.keyFile, caFile: certs.ca.certFile, allowedNames: ['*.peers.test'] });
  beforeAll(async () => {
    [named, localhost] = await Promise.all([
      startTestNode({ nodeId: 'node-a', distTls: namedTls(), logLevel: 'warn' }),
      // Chains to the same CA and is valid for 127.0.0.1, but is named localhost.
      startTestNode({ nodeId: 'node-l' }, { distTls: distTls(certs.server) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([named.stop(), localhost.stop()]);
  });

  it('every request on a connection whose certificate is not named gets 401, unknown routes included', async () => {
    const failures = () => named.core.node.counters.authFailures.get('dist|unauthenticated') ?? 0;
    const before = failures();
    const agent = new Agent({ connect: withCert(certs.reader), pipelining: 0 });
    try {
      for (const [method, path] of [['GET', '/health'], ['POST', '/peer/read'], ['GET', '/no-such-route'], ['GET', '/health']] as const) {
        const r = await request(`${named.dist}${path}`, {
          dispatcher: agent, method, body: method === 'POST' ? '{"keys":["k"]}' : undefined, headers: { 'content-type': 'application/json' },
        });
        expect(r.statusCode).toBe(401);
        expect(r.headers['www-authenticate']).toBe('Bearer');
        expect(await r.body.json()).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
      }
    } finally {
      await agent.close();
    }
    expect(failures() - before).toBe(4);
    expect((await health(named, withCert(certs.peerB))).status).toBe(200);
    // The receiver names what it refused, once for the four requests (the sender only sees 401).
    const warnings = named.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'refused a peer certificate: none of its names is in HYPERCACHE_DIST_TLS_ALLOWED_NAMES');
    expect(warnings).toEqual([expect.objectContaining({ level: 'warn', names: ['reader'] })]);
  });

  it('the peer client refuses a peer whose certificate is valid for its address but not named', async () => {
    const client = createPeerClient(named.core.config, named.core.logger, distTls(certs.peerA));
    try {
      await expect(client.call(address(localhost), { method: 'GET', path: '/health', timeoutMs: 2000 })).rejects.toMatchObject({
        code: 'ERR_PEER_CERT_NAME_NOT_ALLOWED',
        message: expect.stringContaining('(localhost)'),
      });
      // The host name check still runs first.
      expect((await client.call(address(named), { method: 'GET', path: '/health', timeoutMs: 2000 })).status).toBe(200);
    } finally {
      await client.close();
    }
  });
});
