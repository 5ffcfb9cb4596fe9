import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OidcVerifier } from '../../src/auth/oidc/oidc-verifier.js';
import { type DocumentServer, startDocumentServer } from '../support/oidc-provider.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'cache';
const SETTINGS = { audience: AUDIENCE, identityClaim: 'sub', scopeClaim: 'scope' };

interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(key: TestKey, claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'svc', scope: 'read', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

/**
 * The verifier on its own against a JWKS endpoint the test controls: lazy fetch, cache, re-fetch
 * on an unknown kid at most every 30 s, algorithm allow-list, an unavailable key set (CONTRACT §3.4).
 */
describe('OidcVerifier', () => {
  let jwks: DocumentServer;
  let published: JWK[] = [];
  let failing = false;
  let rsaA: TestKey;
  let rsaB: TestKey;
  let ec: TestKey;
  const fetches = () => jwks.requests.length;

  beforeAll(async () => {
    [rsaA, rsaB, ec] = await Promise.all([makeKey('a', 'RS256'), makeKey('b', 'RS256'), makeKey('ec', 'ES256')]);
    jwks = await startDocumentServer(() => (failing ? { status: 500, body: {} } : { body: { keys: published } }));
  });
  afterAll(async () => {
    await jwks.close();
  });
  afterEach(() => {
    vi.useRealTimers();
    jwks.requests.length = 0;
    failing = false;
  });

  function verifier(algorithms = ['RS256']) {
    const logger = { warn: vi.fn() };
    const v = new OidcVerifier({ issuer: ISSUER, jwksUri: `${jwks.base}/jwks`, algorithms }, SETTINGS, { logger, now: () => Date.now() });
    return { v, logger };
  }

  it('fetches the key set lazily, once, then serves from the cache', async () => {
    published = [rsaA.jwk];
    const { v } = verifier();
    expect(fetches()).toBe(0);
    await expect(v.verify(await sign(rsaA))).resolves.toEqual({ id: 'svc', scopes: ['read'] });
    await expect(v.verify(await sign(rsaA, { sub: 'other' }))).resolves.toEqual({ id: 'other', scopes: ['read'] });
    expect(fetches()).toBe(1);
  });

  it('an unknown kid re-fetches at most once per 30 s; a rotated-in key is then accepted', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    published = [rsaA.jwk];
    const { v } = verifier();
    await v.verify(await sign(rsaA));
    expect(fetches()).toBe(1);

    published = [rsaA.jwk, rsaB.jwk]; // the IdP rotates a new key in
    vi.advanceTimersByTime(10_000);
    await expect(v.verify(await sign(rsaB))).resolves.toBeUndefined(); // within the cooldown: no re-fetch
    expect(fetches()).toBe(1);

    vi.advanceTimersByTime(21_000);
    await expect(v.verify(await sign(rsaB))).resolves.toEqual({ id: 'svc', scopes: ['read'] });
    expect(fetches()).toBe(2);

    const stranger = await makeKey('nobody-knows', 'RS256');
    for (let i = 0; i < 3; i++) await expect(v.verify(await sign(stranger))).resolves.toBeUndefined();
    expect(fetches()).toBe(2);
  });

  it('only the discovered algorithms are accepted', async () => {
    published = [rsaA.jwk, ec.jwk];
    await expect(verifier(['RS256']).v.verify(await sign(ec))).resolves.toBeUndefined();
    await expect(verifier(['RS256', 'ES256']).v.verify(await sign(ec))).resolves.toEqual({ id: 'svc', scopes: ['read'] });
  });

  it('never rejects, whatever the input', async () => {
    published = [rsaA.jwk];
    const { v } = verifier();
    for (const junk of ['', 'a.b.c', 'not a jwt', '..', `${'x'.repeat(5000)}`]) await expect(v.verify(junk)).resolves.toBeUndefined();
  });

  it('an unavailable key set gives 401s and one throttled WARN without the token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    failing = true;
    published = [rsaA.jwk];
    const { v, logger } = verifier();
    const token = await sign(rsaA);
    await expect(v.verify(token)).resolves.toBeUndefined();
    await expect(v.verify(token)).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![1]).toBe('OIDC key set unavailable');
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(token);

    vi.advanceTimersByTime(61_000);
    await v.verify(token);
    expect(logger.warn).toHaveBeenCalledTimes(2);

    failing = false; // the IdP is back: the next request fetches and succeeds
    await expect(v.verify(token)).resolves.toEqual({ id: 'svc', scopes: ['read'] });
  });
});
