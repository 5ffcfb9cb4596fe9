import type { AuthPolicy as AuthFile } from '../config/auth-config.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { type Identity, SCOPES } from './scopes.js';
import { TokenMatcher } from './token-matcher.js';

const ALL_SCOPES = [...SCOPES];

/** The variables that close the client policy (docs/auth.md), those of them that are set; none = open mode. */
export function clientAuthSources(config: Pick<HypercacheConfig, 'authToken' | 'authConfigFile' | 'oidc'>): string[] {
  return [
    ...(config.authToken ? ['HYPERCACHE_AUTH_TOKEN'] : []),
    ...(config.authConfigFile ? ['HYPERCACHE_AUTH_CONFIG'] : []),
    ...(config.oidc ? ['HYPERCACHE_OIDC_ISSUER'] : []),
  ];
}

/** The last step of the chain: a bearer that is no static token, checked as an OIDC JWT (the passport-jwt strategy, auth/oidc/oidc-jwt.strategy.ts). */
export interface BearerVerifier {
  /** Resolves to undefined (never rejects) when the token is not an identity. */
  verify(token: string): Promise<Identity | undefined>;
  /** Releases what the verifier registered (the passport strategy's process-global name). */
  close?(): void;
}

/** Synchronous unless the request needs a JWT verified. */
export type Resolution = Identity | undefined | Promise<Identity | undefined>;

/**
 * The client policy (docs/auth.md §1–§2), framework-free. Open mode resolves every request to
 * `anonymous` (or the verified certificate's CN); closed mode walks the resolution chain:
 * static bearer, then verified client certificate, then OIDC JWT.
 */
export class AuthPolicy {
  private constructor(
    readonly mode: 'open' | 'closed',
    private readonly tokens: TokenMatcher<Identity>,
    private readonly certificates: ReadonlyMap<string, Identity>,
    private readonly jwt: BearerVerifier | undefined,
  ) {}

  /** `jwt` is required exactly when `config.oidc` is set (built from the boot-time discovery). */
  static fromConfig(config: HypercacheConfig, file?: AuthFile, jwt?: BearerVerifier): AuthPolicy {
    if ((config.oidc !== undefined) !== (jwt !== undefined)) {
      throw new Error('AuthPolicy: an OIDC verifier is needed exactly when OIDC is configured');
    }
    const closed = clientAuthSources(config).length > 0;
    const entries: Array<[string, Identity]> = [];
    if (config.authToken) entries.push([config.authToken, { id: 'default', scopes: ALL_SCOPES }]);
    for (const t of file?.tokens ?? []) entries.push([t.token, { id: t.id, scopes: [...t.scopes] }]);
    const certs = new Map((file?.certificates ?? []).map((c) => [c.cn, { id: c.id, scopes: [...c.scopes] }]));
    return new AuthPolicy(closed ? 'closed' : 'open', new TokenMatcher(entries), certs, jwt);
  }

  /**
   * The identity for a request, or undefined (401). `authorization` is the raw header value. Static
   * tokens and certificates answer synchronously (the GET/PUT hot path); only a bearer that matched
   * neither, with OIDC configured, returns a promise.
   */
  resolve(authorization: string | undefined, verifiedCertCn?: string, connection?: object): Resolution {
    const hit = this.resolveStatic(authorization, verifiedCertCn, connection);
    if (hit !== undefined || this.mode === 'open' || !this.jwt) return hit;
    const bearer = bearerOf(authorization);
    return bearer !== undefined ? this.jwt.verify(bearer) : undefined;
  }

  /** The node is stopping: the JWT link releases its passport registration. */
  close(): void {
    this.jwt?.close?.();
  }

  /**
   * The synchronous links of the chain only (open mode, static bearer, verified certificate):
   * undefined when they give no identity, whether or not an OIDC JWT would. The client fast path
   * (cache/client-fast-path.ts) serves what this admits and leaves the rest to the Nest guard.
   * `connection` (the request's socket) lets a keep-alive client's repeated header skip the token
   * digest (connection-memo.ts).
   */
  resolveStatic(authorization: string | undefined, verifiedCertCn?: string, connection?: object): Identity | undefined {
    if (this.mode === 'open') return { id: verifiedCertCn ?? 'anonymous', scopes: ALL_SCOPES };
    const bearer = bearerOf(authorization);
    if (bearer !== undefined) {
      const hit = this.tokens.match(bearer, connection);
      if (hit) return hit;
    }
    return verifiedCertCn !== undefined ? this.certificates.get(verifiedCertCn) : undefined;
  }
}

/** Exactly `Bearer <token>`: scheme case-sensitive, one space, no trimming (docs/auth.md §2). */
function bearerOf(authorization: string | undefined): string | undefined {
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}
