import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestNode } from '../support/in-process-node.js';
import { startOidcNode, startTestProvider, type TestProvider } from '../support/oidc-provider.js';
import { json, send } from '../support/http.js';

const me = (node: TestNode, token: string) => send(node.api, 'GET', '/v1/me', { headers: { authorization: `Bearer ${token}` } });

/** HYPERCACHE_OIDC_IDENTITY_CLAIM / _SCOPE_CLAIM and the static-token-first rule, against a real provider. */
describe('OIDC claim configuration', () => {
  let provider: TestProvider;
  const nodes: TestNode[] = [];

  beforeAll(async () => {
    provider = await startTestProvider();
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await provider?.close();
  });

  async function node(opts: Parameters<typeof startOidcNode>[1]): Promise<TestNode> {
    const n = await startOidcNode(provider, opts);
    nodes.push(n);
    return n;
  }

  it('a scope claim holding an array (HYPERCACHE_OIDC_SCOPE_CLAIM=roles)', async () => {
    const n = await node({ scopeClaim: 'roles' });
    const token = await provider.token({ scope: 'read write admin', claims: { roles: ['write', 'openid', 7, 'read', 'write'] } });
    expect(json(await me(n, token))).toEqual({ id: 'cache-tests', scopes: ['write', 'read'], capabilities: ['cache.write', 'cache.read'] });
    // The standard `scope` claim no longer counts: a token without `roles` has no scopes (403).
    expect((await me(n, await provider.token({ scope: 'read write admin' }))).status).toBe(403);
    // A string in the configured claim is split like `scope`.
    expect(json(await me(n, await provider.token({ claims: { roles: 'admin read' } })))).toMatchObject({ scopes: ['admin', 'read'] });
  });

  it('an identity claim override (HYPERCACHE_OIDC_IDENTITY_CLAIM=email)', async () => {
    const n = await node({ identityClaim: 'email' });
    const token = await provider.token({ scope: 'read', claims: { email: 'ops@example.test' } });
    expect(json(await me(n, token))).toEqual({ id: 'ops@example.test', scopes: ['read'], capabilities: ['cache.read'] });
    // `sub` is present but no longer the identity: without `email` the token is not an identity.
    const r = await me(n, await provider.token({ scope: 'read' }));
    expect(r.status).toBe(401);
    expect(json(r)).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
  });

  it('a static token is tried first, even when it is itself a valid JWT', async () => {
    const jwt = await provider.token({ scope: 'read' });
    const n = await node({ authToken: jwt });
    expect(n.core.auth.mode).toBe('closed');
    expect(json(await me(n, jwt))).toEqual({ id: 'default', scopes: ['read', 'write', 'admin'], capabilities: ['cache.read', 'cache.write', 'cache.admin'] });
    // Any other bearer still falls through to OIDC.
    expect(json(await me(n, await provider.token({ scope: 'read', claims: { sub: 'someone' } })))).toMatchObject({ id: 'someone', scopes: ['read'] });
  });

  it('nodes in one process keep their own passport strategies, also after one of them stops', async () => {
    expect(nodes).toHaveLength(3); // the three nodes above, still running
    const [roles, email, first] = nodes as [TestNode, TestNode, TestNode];
    const token = await provider.token({ scope: 'read', claims: { roles: ['admin', 'read'], email: 'ops@example.test' } });
    await first.stop();
    nodes.pop();
    expect(json(await me(roles, token))).toMatchObject({ id: 'cache-tests', scopes: ['admin', 'read'] });
    expect(json(await me(email, token))).toMatchObject({ id: 'ops@example.test', scopes: ['read'] });
  });
});
