import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverIssuer } from '../../src/auth/oidc/discover.js';
import { FatalError } from '../../src/common/fatal.js';
import { type DocumentAnswer, type DocumentServer, startDocumentServer, startTestProvider, type TestProvider } from '../support/oidc-provider.js';

const WELL_KNOWN = '/.well-known/openid-configuration';

/** Discovery against a real provider and against hand-made documents (docs/auth.md §5, docs/configuration.md §4). */
describe('OIDC discovery at boot', () => {
  let provider: TestProvider;
  let docs: DocumentServer;

  beforeAll(async () => {
    provider = await startTestProvider();
    // Each issuer path serves one kind of document; `<base>` inside a body becomes the server's base URL.
    docs = await startDocumentServer((path, base): DocumentAnswer => {
      const issuer = path.slice(0, -WELL_KNOWN.length);
      const doc = (extra: Record<string, unknown> = {}) => ({ body: { issuer: `${base}${issuer}`, jwks_uri: `${base}/jwks`, ...extra } });
      switch (issuer) {
        case '/ok':
          return doc();
        case '/slash':
          return { body: { issuer: `${base}/slash/`, jwks_uri: `${base}/jwks` } };
        case '/es':
          return doc({ id_token_signing_alg_values_supported: ['HS256', 'ES256', 'EdDSA'] });
        case '/status500':
          return { status: 500, body: { error: 'boom' } };
        case '/redirect':
          return { status: 302, headers: { location: `${base}/ok${WELL_KNOWN}` }, body: '' };
        case '/notjson':
          return { headers: { 'content-type': 'text/html' }, body: '<html>login</html>' };
        case '/array':
          return { body: [1, 2] };
        case '/mismatch':
          return { body: { issuer: `${base}/someone-else`, jwks_uri: `${base}/jwks` } };
        case '/normalised':
          // The same URL once normalised (openid-client's own check passes), but not the same string.
          return { body: { issuer: `${base}/./normalised`, jwks_uri: `${base}/jwks` } };
        case '/nojwks':
          return { body: { issuer: `${base}${issuer}` } };
        case '/hs-only':
          return doc({ id_token_signing_alg_values_supported: ['HS256', 'none'] });
        case '/hang':
          return 'hang';
        default:
          return { status: 404, body: {} };
      }
    });
  });
  afterAll(async () => {
    await provider.close();
    await docs.close();
  });

  const discover = (issuer: string, timeoutMs?: number) => discoverIssuer(issuer, { insecure: true, timeoutMs });

  it('a real provider: issuer, jwks_uri and its signing algorithms', async () => {
    await expect(discover(provider.issuer)).resolves.toEqual({
      issuer: provider.issuer,
      jwksUri: `${provider.issuer}/jwks`,
      algorithms: ['RS256'],
    });
  });

  it('fetches <issuer>/.well-known/openid-configuration; RS256 only when no algorithm list', async () => {
    await expect(discover(`${docs.base}/ok`)).resolves.toEqual({ issuer: `${docs.base}/ok`, jwksUri: `${docs.base}/jwks`, algorithms: ['RS256'] });
    expect(docs.requests).toContain(`/ok${WELL_KNOWN}`);
  });

  it('a trailing slash on the issuer is not doubled, and the issuer is kept as configured', async () => {
    await expect(discover(`${docs.base}/slash/`)).resolves.toMatchObject({ issuer: `${docs.base}/slash/` });
    expect(docs.requests).toContain(`/slash${WELL_KNOWN}`);
    expect(docs.requests.some((p) => p.includes('//'))).toBe(false);
  });

  it('keeps only the asymmetric algorithms listed', async () => {
    await expect(discover(`${docs.base}/es`)).resolves.toMatchObject({ algorithms: ['ES256', 'EdDSA'] });
  });

  it.each<[string, string, RegExp]>([
    ['non-2xx', '/status500', /unexpected HTTP status 500/],
    ['a redirect is not followed', '/redirect', /unexpected HTTP status 302/],
    ['not JSON', '/notjson', /invalid document: not JSON/],
    ['not an object', '/array', /invalid document/],
    ['issuer mismatch', '/mismatch', /issuer mismatch: the document names ".*\/someone-else"/],
    ['issuer equal only after URL normalisation', '/normalised', /issuer mismatch/],
    ['no jwks_uri', '/nojwks', /no jwks_uri/],
    ['only HS256 (and none) listed', '/hs-only', /lists no asymmetric algorithm \(\["HS256","none"\]\)/],
  ])('%s → FatalError naming the variable, the issuer and the reason', async (_name, path, reason) => {
    const issuer = `${docs.base}${path}`;
    const err = await discover(issuer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    const message = (err as Error).message;
    expect(message.startsWith(`HYPERCACHE_OIDC_ISSUER: OIDC discovery of "${issuer}" failed: `)).toBe(true);
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });

  it('unreachable issuer', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    await expect(discover(`http://127.0.0.1:${port}`)).rejects.toThrow(
      new FatalError(`HYPERCACHE_OIDC_ISSUER: OIDC discovery of "http://127.0.0.1:${port}" failed: unreachable (ECONNREFUSED)`),
    );
  });

  it('an issuer that never answers times out (10 s in production; shortened here)', async () => {
    const started = Date.now();
    await expect(discover(`${docs.base}/hang`, 300)).rejects.toThrow(/failed: timed out after 0.3 s$/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('plain http is used only with the insecure flag (set by the config loader for http issuers)', async () => {
    await expect(discoverIssuer(`${docs.base}/ok`, { insecure: false })).rejects.toThrow(/failed: only requests to HTTPS are allowed$/);
  });
});
