import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNode } from '../support/in-process-node.js';
import { AUDIENCE, startOidcNode, startTestProvider, type TestProvider } from '../support/oidc-provider.js';
import { json, send } from '../support/http.js';

const UNAUTHORIZED = { error: 'unauthorized', code: 'UNAUTHORIZED' };
const now = () => Math.floor(Date.now() / 1000);

/** OIDC JWTs on a node against a real OpenID provider (docs/auth.md §2, §5, §7). */
describe('OIDC bearer tokens', () => {
  let provider: TestProvider;
  let node: TestNode;
  /** Every credential sent, to prove none of them reaches a log line. */
  const sent: string[] = [];

  beforeAll(async () => {
    provider = await startTestProvider();
    node = await startOidcNode(provider, { logLevel: 'debug' });
  });
  afterAll(async () => {
    await node?.stop();
    await provider?.close();
  });

  const call = (method: string, path: string, token: string, base = node.api) => {
    sent.push(token);
    return send(base, method, path, { headers: { authorization: `Bearer ${token}`, 'content-length': 0 } });
  };
  const me = (token: string) => call('GET', '/v1/me', token);

  it('an OIDC-only node is in closed mode', async () => {
    expect(node.core.auth.mode).toBe('closed');
    expect((await send(node.api, 'GET', '/v1/me')).status).toBe(401);
  });

  it('a valid access token: /v1/me shows the mapped identity and scopes', async () => {
    const r = await me(await provider.token({ scope: 'read write admin' }));
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({
      id: 'cache-tests', // `sub` of a client-credentials token is the client ID
      scopes: ['read', 'write', 'admin'],
      capabilities: ['cache.read', 'cache.write', 'cache.admin'],
    });
  });

  it('the token works on data routes and the management listener, per scope', async () => {
    const rw = await provider.token({ scope: 'read write' });
    const put = await send(node.api, 'PUT', '/v1/cache/oidc', { body: 'v', headers: { authorization: `Bearer ${rw}`, 'content-length': 1 } });
    sent.push(rw);
    expect(put.status).toBe(200);
    expect((await call('GET', '/v1/cache/oidc', rw)).body.toString()).toBe('v');
    expect((await call('GET', '/stats', rw, node.mgmt)).status).toBe(200);
    const clear = await call('POST', '/clear', rw, node.mgmt);
    expect(clear.status).toBe(403);
    expect(json(clear)).toEqual({ error: 'forbidden: requires scope admin', code: 'FORBIDDEN' });
  });

  it('unknown scopes are dropped silently, claim order kept', async () => {
    const r = await me(await provider.token({ scope: 'openid write cache:read email read' }));
    expect(json(r)).toMatchObject({ scopes: ['write', 'read'], capabilities: ['cache.write', 'cache.read'] });
  });

  it('an identity with no cache scope authenticates but gets 403 on every scoped route', async () => {
    const token = await provider.token({ scope: 'openid email' });
    const read = await me(token);
    expect(read.status).toBe(403);
    expect(json(read)).toEqual({ error: 'forbidden: requires scope read', code: 'FORBIDDEN' });
    const write = await call('DELETE', '/v1/cache/k', token);
    expect(write.status).toBe(403);
    expect(json(write)).toEqual({ error: 'forbidden: requires scope write', code: 'FORBIDDEN' });
  });

  it('tolerates 30 s of clock skew on exp and nbf', async () => {
    const t = now();
    expect((await me(await provider.sign({ ...provider.claims(), exp: t - 10 }))).status).toBe(200);
    expect((await me(await provider.sign({ ...provider.claims(), nbf: t + 10 }))).status).toBe(200);
    expect((await me(await provider.sign({ ...provider.claims(), aud: ['someone-else', AUDIENCE] }))).status).toBe(200);
  });

  describe('rejected with 401', () => {
    const cases: Array<[string, (p: TestProvider) => Promise<string>]> = [
      ['expired (beyond the tolerance)', (p) => p.sign({ ...p.claims(), iat: now() - 600, exp: now() - 60 })],
      ['not yet valid (nbf beyond the tolerance)', (p) => p.sign({ ...p.claims(), nbf: now() + 120 })],
      ['no exp', (p) => p.sign({ ...p.claims(), exp: undefined })],
      ['wrong audience (a real token for another resource)', (p) => p.token({ resource: 'https://other.test/api' })],
      ['no audience', (p) => p.sign({ ...p.claims(), aud: undefined })],
      ['wrong issuer', (p) => p.sign({ ...p.claims(), iss: 'http://evil.test' })],
      ['issuer with a trailing slash', (p) => p.sign({ ...p.claims(), iss: `${p.issuer}/` })],
      ['alg none', async (p) => new UnsecuredJWT(p.claims()).encode()],
      ['alg none with the provider kid', async (p) => noneWithKid(p)],
      ['HS256 signed with the provider public key as the secret', (p) => hs256WithPublicKey(p)],
      ['unknown kid', (p) => signWithStrangerKey(p, 'unknown-kid')],
      ['another key claiming the provider kid', (p) => signWithStrangerKey(p, p.kid)],
      ['tampered payload', (p) => tamper(p)],
      ['missing identity claim', (p) => p.token({ claims: { sub: null } })],
      ['empty identity claim', (p) => p.sign({ ...p.claims(), sub: '' })],
      ['non-string identity claim', (p) => p.sign({ ...p.claims(), sub: 1234 as unknown as string })],
      ['not a JWT at all', async () => 'definitely-not-a-jwt'],
    ];

    it.each(cases)('%s', async (_name, make) => {
      const r = await me(await make(provider));
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(json(r)).toEqual(UNAUTHORIZED);
    });
  });

  it('rejected JWTs are counted as auth failures', async () => {
    const failures = () => node.core.node.counters.authFailures.get('client|unauthenticated') ?? 0;
    const before = failures();
    await me(await provider.sign({ ...provider.claims(), iss: 'http://evil.test' }));
    expect(failures()).toBe(before + 1);
  });

  it('no log line carries a JWT or an Authorization value (debug level, access log on)', () => {
    expect(sent.length).toBeGreaterThan(20);
    expect(node.logs.some((l) => l.includes('"route"'))).toBe(true); // the access log did run
    const all = node.logs.join('\n');
    for (const token of sent) expect(all).not.toContain(token);
    expect(all).not.toMatch(/Bearer|eyJ/);
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function noneWithKid(p: TestProvider): string {
  return `${b64({ alg: 'none', kid: p.kid, typ: 'at+jwt' })}.${b64(p.claims())}.`;
}

/** The classic key-confusion attack: HMAC keyed with the public key's PEM text. */
function hs256WithPublicKey(p: TestProvider): Promise<string> {
  const pem = createPublicKey({ key: p.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return new SignJWT(p.claims()).setProtectedHeader({ alg: 'HS256', kid: p.kid }).sign(new TextEncoder().encode(String(pem)));
}

async function signWithStrangerKey(p: TestProvider, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(p.claims()).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' }).sign(privateKey);
}

/** A real token whose payload is swapped for one with more scopes, signature kept. */
async function tamper(p: TestProvider): Promise<string> {
  const [header, payload, signature] = (await p.token({ scope: 'read' })).split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${b64({ ...claims, scope: 'read write admin' })}.${signature}`;
}
