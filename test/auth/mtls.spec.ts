import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuthConfigFile } from '../../src/config/load-files.js';
import { type CertFixtures, generateCerts, type Pem } from '../support/certs.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { send, type ConnectOptions, tlsRequest } from '../support/http.js';

/**
 * docs/auth.md §4 (TLS / mTLS on the client API) and docs/auth.md §2 step 2 (verified certificate → identity),
 * with the docs/configuration.md §3 example file: tokens `ro-7f3a9c`, `rw-91bd02`, `adm-55e1aa`; CNs billing.internal, backup-job.
 */
const EXAMPLE_FILE = 'config/auth.example.json';
const AUTH_FILE = loadAuthConfigFile(EXAMPLE_FILE, { oidcEnabled: false });
const ALL = { scopes: ['read', 'write', 'admin'], capabilities: ['cache.read', 'cache.write', 'cache.admin'] };
/** A client offering only TLS 1.1 (OpenSSL needs security level 0 for it). */
const TLS_1_1 = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
/** The server's `protocol_version` alert: the node refused, not the client. */
const PROTOCOL_VERSION_ALERT = { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' };

let certs: CertFixtures;
beforeAll(() => {
  certs = generateCerts();
});
afterAll(() => certs.remove());

const withCert = (pem?: Pem): ConnectOptions => ({ ca: certs.ca.cert, ...(pem ? { cert: pem.cert, key: pem.key } : {}) });
const apiTls = (clientCa: boolean) => ({ cert: certs.server.cert, key: certs.server.key, ...(clientCa ? { ca: certs.ca.cert } : {}) });
const me = async (node: TestNode, pem?: Pem, headers?: Record<string, string>) => {
  const r = await tlsRequest(`${node.api}/v1/me`, withCert(pem), { headers });
  return { status: r.status, body: JSON.parse(r.body.toString()) as unknown };
};

describe('mTLS, closed mode (auth file with certificates)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ authConfigFile: EXAMPLE_FILE }, { apiTls: apiTls(true), authFile: AUTH_FILE });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('a handshake without a client certificate fails: no HTTP response', async () => {
    await expect(tlsRequest(`${node.api}/healthz`, withCert())).rejects.toThrow();
  });

  it('a certificate from another CA fails the handshake, even with a configured CN', async () => {
    await expect(tlsRequest(`${node.api}/healthz`, withCert(certs.foreign))).rejects.toThrow();
  });

  it('a configured CN is the identity with its scopes, and may write', async () => {
    expect(await me(node, certs.billing)).toEqual({
      status: 200,
      body: { id: 'billing.internal', scopes: ['read', 'write'], capabilities: ['cache.read', 'cache.write'] },
    });
    const put = await tlsRequest(`${node.api}/v1/cache/mtls-k`, withCert(certs.billing), { method: 'PUT', body: 'v' });
    expect(put.status).toBe(200);
    expect((await tlsRequest(`${node.api}/v1/cache/mtls-k`, withCert(certs.billing))).body.toString()).toBe('v');
  });

  it('a configured CN with an id and only read: identity `backup`, 403 on a write', async () => {
    expect(await me(node, certs.backup)).toEqual({
      status: 200,
      body: { id: 'backup', scopes: ['read'], capabilities: ['cache.read'] },
    });
    const put = await tlsRequest(`${node.api}/v1/cache/mtls-k`, withCert(certs.backup), { method: 'PUT', body: 'v' });
    expect(put.status).toBe(403);
    expect(JSON.parse(put.body.toString())).toEqual({ error: 'forbidden: requires scope write', code: 'FORBIDDEN' });
  });

  it('a verified but unconfigured CN is no identity: 401, unless a bearer matches (then the bearer identity)', async () => {
    const anon = await tlsRequest(`${node.api}/v1/me`, withCert(certs.unknownCn));
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(anon.body.toString())).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
    expect((await me(node, certs.unknownCn, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(await me(node, certs.unknownCn, { authorization: 'Bearer rw-91bd02' })).toEqual({
      status: 200,
      body: { id: 'ops-rw', scopes: ['read', 'write'], capabilities: ['cache.read', 'cache.write'] },
    });
  });

  it('a wrong bearer with a configured certificate resolves through the certificate; a right bearer wins', async () => {
    expect((await me(node, certs.billing, { authorization: 'Bearer wrong' })).body).toMatchObject({ id: 'billing.internal' });
    expect((await me(node, certs.backup, { authorization: 'Bearer rw-91bd02' })).body).toMatchObject({ id: 'ops-rw' });
  });

  it('public routes answer with any verified certificate', async () => {
    expect((await tlsRequest(`${node.api}/healthz`, withCert(certs.unknownCn))).status).toBe(200);
  });

  it('TLS 1.2 is accepted; TLS 1.1 is refused by the server', async () => {
    expect((await tlsRequest(`${node.api}/healthz`, { ...withCert(certs.billing), maxVersion: 'TLSv1.2' })).status).toBe(200);
    await expect(tlsRequest(`${node.api}/healthz`, { ...withCert(certs.billing), ...TLS_1_1 })).rejects.toMatchObject(PROTOCOL_VERSION_ALERT);
  });

  it('plain HTTP to the TLS port gets no HTTP answer', async () => {
    await expect(send(`http://127.0.0.1:${node.ports.api}`, 'GET', '/healthz')).rejects.toThrow();
  });

  it('the management listener stays plaintext', async () => {
    expect((await fetch(`${node.mgmt}/health/live`)).status).toBe(200);
  });
});

describe('mTLS, open mode: a verified certificate names the identity', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({}, { apiTls: apiTls(true) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('the identity ID is the CN, with every scope; still no entry without a certificate', async () => {
    expect(await me(node, certs.billing)).toEqual({ status: 200, body: { id: 'billing.internal', ...ALL } });
    expect(await me(node, certs.unknownCn)).toEqual({ status: 200, body: { id: 'unknown-cn', ...ALL } });
    expect(await me(node, certs.unknownCn, { authorization: 'Bearer anything' })).toEqual({ status: 200, body: { id: 'unknown-cn', ...ALL } });
    await expect(tlsRequest(`${node.api}/v1/me`, withCert())).rejects.toThrow();
  });
});

describe('TLS only (certificate and key, no client CA)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({}, { apiTls: apiTls(false) });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('HTTPS works without a client certificate; one sent anyway names no identity', async () => {
    expect((await tlsRequest(`${node.api}/healthz`, withCert())).status).toBe(200);
    expect(await me(node)).toEqual({ status: 200, body: { id: 'anonymous', ...ALL } });
    expect(await me(node, certs.billing)).toEqual({ status: 200, body: { id: 'anonymous', ...ALL } });
  });

  it('the server certificate verifies against the CA, host name included', async () => {
    const r = await tlsRequest(`https://localhost:${node.ports.api}/healthz`, withCert());
    expect(r.status).toBe(200);
    await expect(tlsRequest(`${node.api}/healthz`, { ca: certs.otherCa.cert })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('plain HTTP to that port fails; TLS 1.1 is refused', async () => {
    await expect(send(`http://127.0.0.1:${node.ports.api}`, 'GET', '/healthz')).rejects.toThrow();
    await expect(tlsRequest(`${node.api}/healthz`, { ...withCert(), ...TLS_1_1 })).rejects.toMatchObject(PROTOCOL_VERSION_ALERT);
  });
});
