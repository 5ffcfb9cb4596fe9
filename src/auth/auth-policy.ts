import type { HypercacheConfig } from '../config/config.types.js';
import { type Identity, SCOPES } from './scopes.js';
import { TokenMatcher } from './token-matcher.js';

const ALL_SCOPES = [...SCOPES];

/**
 * The client policy (CONTRACT §3.1–§3.2), framework-free. Open mode resolves every request to
 * `anonymous`; closed mode resolves the raw Authorization header through the static tokens.
 */
export class AuthPolicy {
  private constructor(
    readonly mode: 'open' | 'closed',
    private readonly tokens: TokenMatcher<Identity>,
  ) {}

  static fromConfig(config: HypercacheConfig): AuthPolicy {
    const closed = Boolean(config.authToken || config.authConfigFile || config.oidc);
    const entries: Array<[string, Identity]> = [];
    if (config.authToken) entries.push([config.authToken, { id: 'default', scopes: ALL_SCOPES }]);
    return new AuthPolicy(closed ? 'closed' : 'open', new TokenMatcher(entries));
  }

  /** The identity for a request, or undefined (401). `authorization` is the raw header value. */
  resolve(authorization: string | undefined, verifiedCertCn?: string): Identity | undefined {
    if (this.mode === 'open') return { id: verifiedCertCn ?? 'anonymous', scopes: ALL_SCOPES };
    if (authorization?.startsWith('Bearer ')) {
      const hit = this.tokens.match(authorization.slice(7));
      if (hit) return hit;
    }
    return undefined;
  }
}
