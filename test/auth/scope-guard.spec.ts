import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { AuthPolicy, type BearerVerifier } from '../../src/auth/auth-policy.js';
import { Public, RequireScope } from '../../src/auth/auth.decorators.js';
import { type ListenerName, ScopeGuard } from '../../src/auth/scope.guard.js';
import type { Identity } from '../../src/auth/scopes.js';
import type { Core } from '../../src/bootstrap/core.js';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { CacheError } from '../../src/core/errors.js';
import { guardRequest, httpContext, thrown, tlsSocket, writtenError } from '../support/guard-context.js';
import { testConfig } from '../support/test-config.js';

/** Routes as controllers declare them: the guard reads the real decorators' metadata. */
class Routes {
  @Public() health() {}
  @RequireScope('read') read() {}
  @RequireScope('write') write() {}
  @RequireScope('admin') admin() {}
  undeclared() {}
}

@Public()
class PublicRoutes {
  docs() {}
}

class Shared {
  list() {}
}
@RequireScope('read')
class ReadShared extends Shared {}
@RequireScope('admin')
class AdminShared extends Shared {}

const OIDC_USER: Identity = { id: 'oidc-user', scopes: ['read'] };

interface Harness {
  guard: ScopeGuard;
  failures: string[];
  /** How often the guard asked the policy to resolve an identity. */
  resolutions: () => number;
  /** Bearers the OIDC link was asked to verify. */
  verified: string[];
}

/** A guard over a real AuthPolicy built from `config` (and an auth file); only the counters and the JWT check are stubs. */
function harness(config: Partial<HypercacheConfig>, opts: { file?: Parameters<typeof AuthPolicy.fromConfig>[1]; oidc?: boolean; listener?: ListenerName } = {}): Harness {
  const verified: string[] = [];
  const jwt: BearerVerifier | undefined = opts.oidc
    ? { verify: async (token) => (verified.push(token), token === 'good-jwt' ? OIDC_USER : undefined) }
    : undefined;
  const policy = AuthPolicy.fromConfig(testConfig({ ...config, ...(opts.oidc ? { oidc: {} as HypercacheConfig['oidc'] } : {}) }), opts.file, jwt);
  let resolutions = 0;
  const failures: string[] = [];
  const core = {
    auth: { resolve: (...args: Parameters<AuthPolicy['resolve']>) => (resolutions++, policy.resolve(...args)) },
    node: { counters: { authFailure: (listener: string, reason: string) => failures.push(`${listener}|${reason}`) } },
  } as unknown as Core;
  return { guard: new ScopeGuard(core, opts.listener ?? 'client'), failures, resolutions: () => resolutions, verified };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const FILE = {
  tokens: [{ token: 'reader-token', id: 'reader', scopes: ['read' as const] }],
  certificates: [{ cn: 'billing', id: 'billing-svc', scopes: ['read' as const, 'write' as const] }],
};

describe('ScopeGuard: public routes', () => {
  it('admits a @Public() handler without looking at credentials, even bad ones', async () => {
    const h = harness({ authToken: 'secret' });
    expect(h.guard.canActivate(httpContext(guardRequest(), Routes, 'health'))).toBe(true);
    expect(h.guard.canActivate(httpContext(guardRequest(bearer('wrong')), Routes, 'health'))).toBe(true);
    expect(h.resolutions()).toBe(0);
    expect(h.failures).toEqual([]);
  });

  it('a class-level @Public() covers every handler of the class', () => {
    const h = harness({ authToken: 'secret' });
    expect(h.guard.canActivate(httpContext(guardRequest(), PublicRoutes, 'docs'))).toBe(true);
    expect(h.resolutions()).toBe(0);
  });
});

describe('ScopeGuard: missing or bad credentials → 401', () => {
  for (const [label, headers] of [
    ['no Authorization header', {}],
    ['an unknown token', bearer('wrong')],
    ['a lower-case scheme', { authorization: 'bearer secret' }],
    ['a second space', { authorization: 'Bearer  secret' }],
  ] as const) {
    it(`${label}: the {error, code} envelope, 401, WWW-Authenticate: Bearer, one unauthenticated count`, async () => {
      const h = harness({ authToken: 'secret' });
      const req = guardRequest({ ...headers });
      const err = await thrown(() => h.guard.canActivate(httpContext(req, Routes, 'read')));
      expect(err).toBeInstanceOf(CacheError);
      expect(writtenError(err)).toEqual({
        status: 401,
        headers: { 'www-authenticate': 'Bearer', 'content-type': 'application/json; charset=utf-8' },
        body: { error: 'unauthorized', code: 'UNAUTHORIZED' },
      });
      expect(req.identity).toBeUndefined();
      expect(h.failures).toEqual(['client|unauthenticated']);
    });
  }

  it('counts the failure under the listener the guard serves', async () => {
    const h = harness({ authToken: 'secret' }, { listener: 'management' });
    await thrown(() => h.guard.canActivate(httpContext(guardRequest(), Routes, 'admin')));
    expect(h.failures).toEqual(['management|unauthenticated']);
  });
});

describe('ScopeGuard: an identity without the scope → 403', () => {
  it('names the missing scope, sets no WWW-Authenticate, counts forbidden, and still attaches the identity', async () => {
    const h = harness({ authToken: 'secret', authConfigFile: '/auth.json' }, { file: FILE });
    const req = guardRequest(bearer('reader-token'));
    const err = await thrown(() => h.guard.canActivate(httpContext(req, Routes, 'write')));
    expect(writtenError(err)).toEqual({
      status: 403,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { error: 'forbidden: requires scope write', code: 'FORBIDDEN' },
    });
    expect(req.identity).toEqual({ id: 'reader', scopes: ['read'] });
    expect(h.failures).toEqual(['client|forbidden']);
  });

  it('a route without @Public() or @RequireScope() is denied to every identity (default deny)', async () => {
    const h = harness({ authToken: 'secret' });
    const err = await thrown(() => h.guard.canActivate(httpContext(guardRequest(bearer('secret')), Routes, 'undeclared')));
    expect(writtenError(err)).toMatchObject({ status: 403, body: { error: 'forbidden: route has no scope policy', code: 'FORBIDDEN' } });
  });

  it('reads the policy per (handler, class): one inherited handler under two class scopes', async () => {
    const h = harness({ authToken: 'secret', authConfigFile: '/auth.json' }, { file: FILE });
    const reader = () => guardRequest(bearer('reader-token'));
    expect(h.guard.canActivate(httpContext(reader(), ReadShared, 'list'))).toBe(true);
    expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(reader(), AdminShared, 'list')))).status).toBe(403);
    // Cached policies stay per class on the second pass too.
    expect(h.guard.canActivate(httpContext(reader(), ReadShared, 'list'))).toBe(true);
    expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(reader(), AdminShared, 'list')))).status).toBe(403);
  });
});

describe('ScopeGuard: each identity source', () => {
  it('open mode: every request is `anonymous` with every scope, synchronously', () => {
    const h = harness({});
    const req = guardRequest();
    expect(h.guard.canActivate(httpContext(req, Routes, 'admin'))).toBe(true);
    expect(req.identity).toEqual({ id: 'anonymous', scopes: ['read', 'write', 'admin'] });
  });

  it('open mode with a verified client certificate: the identity is its CN', () => {
    const h = harness({});
    const req = guardRequest({}, tlsSocket('some-service'));
    expect(h.guard.canActivate(httpContext(req, Routes, 'write'))).toBe(true);
    expect(req.identity).toEqual({ id: 'some-service', scopes: ['read', 'write', 'admin'] });
  });

  it('HYPERCACHE_AUTH_TOKEN: `default` with every scope, answered synchronously', () => {
    const h = harness({ authToken: 'secret' });
    const req = guardRequest(bearer('secret'));
    expect(h.guard.canActivate(httpContext(req, Routes, 'admin'))).toBe(true);
    expect(req.identity).toEqual({ id: 'default', scopes: ['read', 'write', 'admin'] });
  });

  it('an auth-file token: its own id and scopes', async () => {
    const h = harness({ authConfigFile: '/auth.json' }, { file: FILE });
    const req = guardRequest(bearer('reader-token'));
    expect(h.guard.canActivate(httpContext(req, Routes, 'read'))).toBe(true);
    expect(req.identity).toEqual({ id: 'reader', scopes: ['read'] });
    expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(guardRequest(bearer('reader-token')), Routes, 'admin')))).status).toBe(403);
  });

  it('a verified client certificate listed in the auth file: its id and scopes; unverified or unlisted → 401', async () => {
    const h = harness({ authConfigFile: '/auth.json' }, { file: FILE });
    const req = guardRequest({}, tlsSocket('billing'));
    expect(h.guard.canActivate(httpContext(req, Routes, 'write'))).toBe(true);
    expect(req.identity).toEqual({ id: 'billing-svc', scopes: ['read', 'write'] });
    for (const socket of [tlsSocket('billing', false), tlsSocket('stranger'), { encrypted: false, authorized: true, getPeerCertificate: () => ({ subject: { CN: 'billing' } }) }]) {
      expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(guardRequest({}, socket), Routes, 'read')))).status).toBe(401);
    }
  });

  it('an OIDC JWT is the last link: verified asynchronously, its identity attached; a rejected JWT → 401', async () => {
    const h = harness({ authToken: 'secret' }, { oidc: true });
    const req = guardRequest(bearer('good-jwt'));
    const answer = h.guard.canActivate(httpContext(req, Routes, 'read'));
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(true);
    expect(req.identity).toEqual(OIDC_USER);

    const err = await thrown(() => h.guard.canActivate(httpContext(guardRequest(bearer('forged-jwt')), Routes, 'read')));
    expect(writtenError(err)).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { code: 'UNAUTHORIZED' } });
    expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(guardRequest(bearer('good-jwt')), Routes, 'write')))).status).toBe(403);
    expect(h.verified).toEqual(['good-jwt', 'forged-jwt', 'good-jwt']);
  });

  it('a static token never reaches the OIDC link, and a request without a bearer is not sent to it', async () => {
    const h = harness({ authToken: 'secret' }, { oidc: true });
    expect(h.guard.canActivate(httpContext(guardRequest(bearer('secret')), Routes, 'admin'))).toBe(true);
    expect(writtenError(await thrown(() => h.guard.canActivate(httpContext(guardRequest(), Routes, 'read')))).status).toBe(401);
    expect(h.verified).toEqual([]);
  });
});
