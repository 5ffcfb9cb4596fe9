import { describe, expect, it, vi } from 'vitest';
import { AuthPolicy, type BearerVerifier } from '../../src/auth/auth-policy.js';
import type { Identity } from '../../src/auth/scopes.js';
import type { AuthPolicy as AuthFile } from '../../src/config/auth-config.js';
import { testConfig } from '../support/test-config.js';

const OIDC = { issuer: 'https://idp.test', audience: 'cache', identityClaim: 'sub', scopeClaim: 'scope' };
const FILE: AuthFile = {
  tokens: [{ token: 'static-ro', id: 'dashboards', scopes: ['read'] }],
  certificates: [{ cn: 'billing.internal', id: 'billing', scopes: ['read', 'write'] }],
};
const JWT_IDENTITY: Identity = { id: 'from-jwt', scopes: ['admin'] };

/** A verifier that records what it was asked and accepts only the string `good.jwt`. */
function stubVerifier(): BearerVerifier & { verify: ReturnType<typeof vi.fn> } {
  return { verify: vi.fn(async (token: string) => (token === 'good.jwt' ? JWT_IDENTITY : undefined)) };
}

function policy(opts: { oidc?: boolean; file?: AuthFile; authToken?: string } = {}) {
  const verifier = stubVerifier();
  const config = testConfig({
    ...(opts.oidc && { oidc: OIDC }),
    ...(opts.file && { authConfigFile: '/auth.json' }),
    ...(opts.authToken && { authToken: opts.authToken }),
  });
  return { auth: AuthPolicy.fromConfig(config, opts.file, opts.oidc ? verifier : undefined), verifier };
}

describe('AuthPolicy resolution chain (docs/auth.md §1–§2)', () => {
  it('an OIDC-only deployment is closed mode', () => {
    const { auth } = policy({ oidc: true });
    expect(auth.mode).toBe('closed');
    expect(auth.resolve(undefined)).toBeUndefined();
  });

  it('a static token wins synchronously and the JWT verifier is never asked', () => {
    const { auth, verifier } = policy({ oidc: true, file: FILE, authToken: 'legacy' });
    expect(auth.resolve('Bearer static-ro')).toEqual({ id: 'dashboards', scopes: ['read'] });
    expect(auth.resolve('Bearer legacy', 'billing.internal')).toEqual({ id: 'default', scopes: ['read', 'write', 'admin'] });
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('a configured certificate comes before OIDC, even with a bearer that would verify', () => {
    const { auth, verifier } = policy({ oidc: true, file: FILE });
    expect(auth.resolve('Bearer good.jwt', 'billing.internal')).toEqual({ id: 'billing', scopes: ['read', 'write'] });
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('a bearer that matches no static token falls through to OIDC (a promise)', async () => {
    const { auth, verifier } = policy({ oidc: true, file: FILE });
    const pending = auth.resolve('Bearer good.jwt');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toEqual(JWT_IDENTITY);
    expect(verifier.verify).toHaveBeenCalledWith('good.jwt');
  });

  it('an unconfigured certificate CN is not an identity; resolution continues to OIDC', async () => {
    const { auth } = policy({ oidc: true, file: FILE });
    await expect(auth.resolve('Bearer good.jwt', 'unknown.cn')).resolves.toEqual(JWT_IDENTITY);
    await expect(auth.resolve('Bearer bad.jwt', 'unknown.cn')).resolves.toBeUndefined();
  });

  it('without a bearer nothing is sent to the verifier and the answer stays synchronous', () => {
    const { auth, verifier } = policy({ oidc: true, file: FILE });
    expect(auth.resolve(undefined)).toBeUndefined();
    expect(auth.resolve(undefined, 'unknown.cn')).toBeUndefined();
    expect(auth.resolve('Basic Z29vZC5qd3Q=')).toBeUndefined();
    expect(auth.resolve('bearer good.jwt')).toBeUndefined();
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('the bearer is passed to the verifier byte for byte (no trimming)', async () => {
    const { auth, verifier } = policy({ oidc: true });
    await auth.resolve('Bearer  good.jwt ');
    expect(verifier.verify).toHaveBeenCalledWith(' good.jwt ');
  });

  it('without OIDC an unknown bearer is a synchronous 401', () => {
    const { auth } = policy({ file: FILE });
    expect(auth.resolve('Bearer good.jwt')).toBeUndefined();
  });

  it('open mode ignores Authorization and never verifies', () => {
    const auth = AuthPolicy.fromConfig(testConfig());
    expect(auth.mode).toBe('open');
    expect(auth.resolve('Bearer good.jwt')).toEqual({ id: 'anonymous', scopes: ['read', 'write', 'admin'] });
    expect(auth.resolve(undefined, 'client.cn')).toEqual({ id: 'client.cn', scopes: ['read', 'write', 'admin'] });
  });

  it('OIDC configuration and verifier go together (a wiring mistake fails loudly)', () => {
    expect(() => AuthPolicy.fromConfig(testConfig({ oidc: OIDC }))).toThrow(/OIDC/);
    expect(() => AuthPolicy.fromConfig(testConfig(), undefined, stubVerifier())).toThrow(/OIDC/);
  });

  it('resolveStatic (the client fast path) admits only what resolves synchronously and never starts a JWT verification', () => {
    const { auth, verifier } = policy({ oidc: true, file: FILE, authToken: 'legacy' });
    expect(auth.resolveStatic('Bearer static-ro')).toEqual({ id: 'dashboards', scopes: ['read'] });
    expect(auth.resolveStatic(undefined, 'billing.internal')).toEqual({ id: 'billing', scopes: ['read', 'write'] });
    expect(auth.resolveStatic('Bearer good.jwt')).toBeUndefined();
    expect(auth.resolveStatic('bearer static-ro')).toBeUndefined();
    expect(auth.resolveStatic(undefined)).toBeUndefined();
    expect(verifier.verify).not.toHaveBeenCalled();
    // The full chain still reaches the verifier for the same JWT.
    return expect(auth.resolve('Bearer good.jwt')).resolves.toEqual(JWT_IDENTITY);
  });

  it('resolveStatic in open mode is anonymous (or the verified CN) with every scope', () => {
    const { auth } = policy();
    expect(auth.resolveStatic(undefined)).toEqual({ id: 'anonymous', scopes: ['read', 'write', 'admin'] });
    expect(auth.resolveStatic('Bearer anything', 'svc.internal')).toEqual({ id: 'svc.internal', scopes: ['read', 'write', 'admin'] });
  });
});
