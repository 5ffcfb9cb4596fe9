import { generateKeyPairSync, KeyObject, sign as cryptoSign } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOidcJwtStrategy, type OidcJwtStrategy } from '../../src/auth/oidc/oidc-jwt.strategy.js';
import { type DocumentServer, startDocumentServer } from '../support/oidc-provider.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'cache';
const SETTINGS = { audience: AUDIENCE, identityClaim: 'sub', scopeClaim: 'scope' };
const SVC = { id: 'svc', scopes: ['read'] };
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

interface TestKey {
  alg: string;
  kid: string;
  privateKey: KeyObject;
  jwk: JWK;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}): JWTPayload => ({ iss: ISSUER, aud: AUDIENCE, sub: 'svc', scope: 'read', iat: now(), exp: now() + 300, ...extra });
const b64u = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');

/** A compact JWS signed with node:crypto, so headers and claim bytes jose would not produce can be tested. */
function rawJws(key: TestKey, header: object, payload: Buffer | string): string {
  const input = `${b64u(JSON.stringify({ alg: key.alg, kid: key.kid, ...header }))}.${b64u(payload)}`;
  return `${input}.${b64u(cryptoSign('sha256', Buffer.from(input), key.privateKey))}`;
}

/**
 * Every algorithm the node allows, through the passport-jwt strategy (jsonwebtoken verifies RSA,
 * RSA-PSS and ECDSA; EdDSA goes through jose inside the same strategy), and the structural rules
 * of RFC 7515/7519 the strategy enforces before any key lookup (docs/auth.md, OIDC "Per request").
 * Each expectation here also held for the jose-only verifier the strategy replaced.
 */
describe('OIDC JWT algorithms and token shape', () => {
  const made: OidcJwtStrategy[] = [];
  const keys = new Map<string, TestKey>();
  let jwks: DocumentServer;
  let weakRsa: TestKey;

  beforeAll(async () => {
    for (const alg of ALGORITHMS) {
      const pair = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' };
      keys.set(alg, { alg, kid: alg, privateKey: KeyObject.from(pair.privateKey), jwk });
    }
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    weakRsa = { alg: 'RS256', kid: 'weak', privateKey: weak.privateKey, jwk: { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256', use: 'sig' } };
    jwks = await startDocumentServer(() => ({ body: { keys: [...[...keys.values()].map((k) => k.jwk), weakRsa.jwk] } }));
  });
  afterAll(async () => {
    await jwks.close();
  });
  afterEach(() => {
    for (const s of made.splice(0)) s.close();
  });

  function verifier(algorithms: readonly string[] = ALGORITHMS) {
    const v = createOidcJwtStrategy({ issuer: ISSUER, jwksUri: `${jwks.base}/jwks`, algorithms: [...algorithms] }, SETTINGS, { logger: { warn: vi.fn() }, now: () => Date.now() });
    made.push(v);
    return v;
  }
  const key = (alg: Algorithm) => keys.get(alg)!;
  const sign = (alg: Algorithm, extra?: JWTPayload) => new SignJWT(claims(extra)).setProtectedHeader({ alg, kid: alg }).sign(key(alg).privateKey);

  it.each(ALGORITHMS)('%s: a valid token is the identity, only while the issuer lists its algorithm', async (alg) => {
    const token = await sign(alg);
    await expect(verifier().verify(token)).resolves.toEqual(SVC);
    await expect(verifier([alg]).verify(token)).resolves.toEqual(SVC);
    await expect(verifier(ALGORITHMS.filter((a) => a !== alg)).verify(token)).resolves.toBeUndefined();
  });

  it.each(['ES256', 'EdDSA'] as const)('%s: the negative tokens stay negative', async (alg) => {
    const v = verifier();
    const t = now();
    // 3 s past the 30 s tolerance: 1 s (31) failed when signing and verifying straddled a second boundary.
    for (const extra of [{ iss: 'https://other.test' }, { aud: 'other' }, { exp: t - 33 }, { nbf: t + 33 }, { exp: undefined }, { sub: '' }]) {
      await expect(v.verify(await sign(alg, extra)), JSON.stringify(extra)).resolves.toBeUndefined();
    }
    await expect(v.verify(await sign(alg, { exp: t - 20, nbf: t + 20, aud: ['x', AUDIENCE] }))).resolves.toEqual(SVC);
    const [h, , s] = (await sign(alg)).split('.');
    await expect(v.verify(`${h}.${b64u(JSON.stringify(claims({ scope: 'read admin' })))}.${s}`)).resolves.toBeUndefined(); // tampered
    const other = await new SignJWT(claims()).setProtectedHeader({ alg, kid: alg }).sign((await generateKeyPair(alg)).privateKey);
    await expect(v.verify(other)).resolves.toBeUndefined(); // right kid, wrong key
  });

  it('a critical header extension is refused, except the harmless "b64": true', async () => {
    const v = verifier();
    const rs = key('RS256');
    const body = JSON.stringify(claims());
    await expect(v.verify(rawJws(rs, {}, body))).resolves.toEqual(SVC);
    await expect(v.verify(rawJws(rs, { crit: ['b64'], b64: true }, body))).resolves.toEqual(SVC);
    await expect(v.verify(rawJws(rs, { crit: ['b64', 'b64'], b64: true }, body))).resolves.toEqual(SVC);
    for (const header of [{ crit: ['exp'], exp: 1 }, { crit: ['b64', 'exp'], b64: true, exp: 1 }, { crit: ['b64'], b64: false }, { crit: ['b64'] }, { crit: [] }, { crit: 'b64', b64: true }]) {
      await expect(v.verify(rawJws(rs, header, body)), JSON.stringify(header)).resolves.toBeUndefined();
    }
  });

  it('claims must be strict UTF-8 JSON with numeric dates', async () => {
    const v = verifier();
    const rs = key('RS256');
    const body = JSON.stringify(claims({ sub: 'svc\u00e9' }));
    await expect(v.verify(rawJws(rs, {}, body))).resolves.toEqual({ id: 'svc\u00e9', scopes: ['read'] });
    const latin1 = Buffer.from(body, 'latin1'); // é as the lone byte 0xE9: not UTF-8
    await expect(v.verify(rawJws(rs, {}, latin1))).resolves.toBeUndefined();
    for (const extra of [{ iat: String(now()) }, { nbf: String(now()) }, { exp: String(now() + 300) }]) {
      await expect(v.verify(rawJws(rs, {}, JSON.stringify(claims(extra)))), JSON.stringify(extra)).resolves.toBeUndefined();
    }
    await expect(v.verify(rawJws(rs, {}, '["not", "an", "object"]'))).resolves.toBeUndefined();
  });

  it('an RSA key under 2048 bits is refused', async () => {
    const v = verifier();
    await expect(v.verify(rawJws(weakRsa, {}, JSON.stringify(claims())))).resolves.toBeUndefined();
  });
});
