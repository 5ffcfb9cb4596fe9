import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import passport from 'passport';
import { createOidcJwtStrategy, type OidcJwtStrategy } from '../../src/auth/oidc/oidc-jwt.strategy.js';
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
 * The passport-jwt strategy on its own against a JWKS endpoint the test controls: lazy fetch, cache, re-fetch
 * on an unknown kid at most every 30 s, algorithm allow-list, an unavailable key set (docs/auth.md §5).
 */
/** Passport's own registry lookup (untyped in @types/passport). */
const registered = (name: string) => (passport as unknown as { _strategy(n: string): unknown })._strategy(name);

describe('OIDC passport-jwt strategy', () => {
  const made: OidcJwtStrategy[] = [];
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
    for (const s of made.splice(0)) s.close();
    vi.useRealTimers();
    jwks.requests.length = 0;
    failing = false;
  });

  function verifier(algorithms = ['RS256']) {
    const logger = { warn: vi.fn() };
    const v = createOidcJwtStrategy({ issuer: ISSUER, jwksUri: `${jwks.base}/jwks`, algorithms }, SETTINGS, { logger, now: () => Date.now() });
    made.push(v);
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

  it('rejects what the chain must reject: wrong iss/aud, expired, no exp, alg none, HS256 with the public key', async () => {
    published = [rsaA.jwk];
    const { v } = verifier();
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [{ iss: 'https://other.test' }, { aud: 'other' }, { exp: now - 31 }, { nbf: now + 31 }, { exp: undefined }]) {
      await expect(v.verify(await sign(rsaA, claims))).resolves.toBeUndefined();
    }
    await expect(v.verify(await sign(rsaA, { exp: now - 20, nbf: now + 20 }))).resolves.toEqual({ id: 'svc', scopes: ['read'] });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'svc', scope: 'read', exp: now + 300 });
    await expect(v.verify(`${b64({ alg: 'none' })}.${body}.`)).resolves.toBeUndefined();
    const pem = (await import('node:crypto')).createPublicKey({ key: rsaA.jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hs = new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'svc', exp: now + 300 }).setProtectedHeader({ alg: 'HS256', kid: 'a' });
    await expect(v.verify(await hs.sign(Buffer.from(pem)))).resolves.toBeUndefined();
  });

  it('each strategy has its own process-global passport name, removed on close', () => {
    const a = verifier().v;
    const b = verifier().v;
    expect(a.name).not.toBe(b.name);
    expect(registered(a.name)).toBe(a);
    a.close();
    expect(registered(a.name)).toBeUndefined();
    expect(registered(b.name)).toBe(b);
  });
});
