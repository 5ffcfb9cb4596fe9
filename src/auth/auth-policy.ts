import type { AuthPolicy as AuthFile } from '../config/auth-config.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { type Identity, SCOPES } from './scopes.js';
import { TokenMatcher } from './token-matcher.js';

const ALL_SCOPES = [...SCOPES];

/**
 * The client policy (CONTRACT §3.1–§3.2), framework-free. Open mode resolves every request to
 * `anonymous` (or the verified certificate's CN); closed mode walks the resolution chain:
 * static bearer, then verified client certificate.
 */
export class AuthPolicy {
  private constructor(
    readonly mode: 'open' | 'closed',
    private readonly tokens: TokenMatcher<Identity>,
    private readonly certificates: ReadonlyMap<string, Identity>,
  ) {}

  static fromConfig(config: HypercacheConfig, file?: AuthFile): AuthPolicy {
    const closed = Boolean(config.authToken || config.authConfigFile || config.oidc);
    const entries: Array<[string, Identity]> = [];
    if (config.authToken) entries.push([config.authToken, { id: 'default', scopes: ALL_SCOPES }]);
    for (const t of file?.tokens ?? []) entries.push([t.token, { id: t.id, scopes: [...t.scopes] }]);
    const certs = new Map((file?.certificates ?? []).map((c) => [c.cn, { id: c.id, scopes: [...c.scopes] }]));
    return new AuthPolicy(closed ? 'closed' : 'open', new TokenMatcher(entries), certs);
  }

  /** The identity for a request, or undefined (401). `authorization` is the raw header value. */
  resolve(authorization: string | undefined, verifiedCertCn?: string): Identity | undefined {
    if (this.mode === 'open') return { id: verifiedCertCn ?? 'anonymous', scopes: ALL_SCOPES };
    // Exactly `Bearer <token>`: scheme case-sensitive, one space, no trimming (§3.2).
    if (authorization?.startsWith('Bearer ')) {
      const hit = this.tokens.match(authorization.slice(7));
      if (hit) return hit;
    }
    if (verifiedCertCn !== undefined) return this.certificates.get(verifiedCertCn);
    return undefined;
  }
}
