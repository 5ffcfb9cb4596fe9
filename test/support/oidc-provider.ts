import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWSHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import type { ClaimNames } from '../../src/auth/oidc/claims.js';
import { discoverIssuer } from '../../src/auth/oidc/discover.js';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { startTestNode, type TestNode } from './in-process-node.js';

/** The resource (and so the `aud`) the cache is configured with in these tests. */
export const AUDIENCE = 'https://cache.test/api';
const CLIENT_ID = 'cache-tests';
const CLIENT_SECRET = 'cache-tests-secret';
/** Scopes the resource server grants; the non-cache ones exist to prove they are dropped. */
const RESOURCE_SCOPES = 'read write admin openid email cache:read';

export interface TokenRequest {
  /** Requested `scope` parameter (space-separated); default `read write admin`. */
  scope?: string;
  /** Resource indicator; default AUDIENCE. Another value gives a token for another audience. */
  resource?: string;
  /** Claims set on the issued JWT (null removes one, e.g. `{ sub: null }`). */
  claims?: Record<string, unknown>;
}

export interface TestProvider {
  issuer: string;
  kid: string;
  /** The provider's own RS256 signing key, to craft tokens the provider would never issue. */
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** A real access token from the provider: client credentials grant with a resource indicator. */
  token(req?: TokenRequest): Promise<string>;
  /** Signs `payload` with the provider's key (header defaults: RS256, the provider's kid, at+jwt). */
  sign(payload: JWTPayload, header?: Partial<JWSHeaderParameters>): Promise<string>;
  /** Standard claims of a valid token for AUDIENCE, to spread into `sign` payloads. */
  claims(): JWTPayload;
  /** How many times the JWKS document was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/** A real OpenID provider (oidc-provider) on 127.0.0.1, issuing RS256 JWT access tokens. */
export async function startTestProvider(): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const privateJwk = { ...(await exportJWK(privateKey)), kid, use: 'sig', alg: 'RS256' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;

  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
    jwks: { keys: [privateJwk] },
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: RESOURCE_SCOPES,
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    formats: {
      customizers: {
        // Per-token claim overrides travel in a request header, so concurrent requests cannot mix.
        jwt: (ctx: { get(name: string): string }, _token: unknown, jwt: { payload: Record<string, unknown> }) => {
          const raw = ctx.get('x-test-claims');
          if (!raw) return;
          for (const [name, value] of Object.entries(JSON.parse(raw) as Record<string, unknown>)) {
            if (value === null) delete jwt.payload[name];
            else jwt.payload[name] = value;
          }
        },
      },
    },
  });
  const handle = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  let jwksFetches = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/jwks')) jwksFetches++;
    handle(req, res);
  });

  const claims = (): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: AUDIENCE, sub: 'crafted', scope: 'read write', iat: now, exp: now + 300 };
  };

  return {
    issuer,
    kid,
    privateKey,
    publicJwk,
    claims,
    jwksFetches: () => jwksFetches,
    async token({ scope = 'read write admin', resource = AUDIENCE, claims: extra }: TokenRequest = {}) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...(extra && { 'x-test-claims': JSON.stringify(extra) }),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || !body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    sign: (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt', ...header }).sign(privateKey),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface DocumentServer {
  base: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A tiny node:http server for discovery documents a real provider would never serve. `route` gets
 * the request path and the server's base URL and answers with a status and body (a string is sent
 * as-is, anything else as JSON), or `hang` to never answer.
 */
export type DocumentAnswer = { status?: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export async function startDocumentServer(route: (path: string, base: string) => DocumentAnswer): Promise<DocumentServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const answer = route(path, base);
    if (answer === 'hang') return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** An in-process node whose client policy uses `provider` (discovery run as main.ts does at boot). */
export async function startOidcNode(
  provider: Pick<TestProvider, 'issuer'>,
  { identityClaim = 'sub', scopeClaim = 'scope', ...overrides }: Partial<HypercacheConfig> & Partial<ClaimNames> = {},
): Promise<TestNode> {
  const oidc = { issuer: provider.issuer, audience: AUDIENCE, identityClaim, scopeClaim };
  const oidcIssuer = await discoverIssuer(oidc.issuer, { insecure: true });
  return startTestNode({ oidc, oidcInsecure: true, ...overrides }, { oidcIssuer });
}
