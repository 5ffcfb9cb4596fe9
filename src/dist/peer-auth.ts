import { TokenMatcher } from '../auth/token-matcher.js';
import type { HypercacheConfig } from '../config/config.types.js';

/** The peer token (CONTRACT §3.6): `HYPERCACHE_DIST_TOKEN`, else `HYPERCACHE_AUTH_TOKEN`. */
export function peerToken(config: Pick<HypercacheConfig, 'distToken' | 'authToken'>): string | undefined {
  return config.distToken ?? config.authToken;
}

/**
 * Inbound peer authentication by token, framework-free. Without a peer token every request passes
 * (the listener relies on peer mTLS, or is open). Certificates are checked by the TLS handshake.
 */
export class PeerAuth {
  private constructor(private readonly token?: TokenMatcher<true>) {}

  static fromConfig(config: Pick<HypercacheConfig, 'distToken' | 'authToken'>): PeerAuth {
    const token = peerToken(config);
    return new PeerAuth(token === undefined ? undefined : new TokenMatcher([[token, true]]));
  }

  /**
   * `authorization` is the raw header value; it must be exactly `Bearer <peer token>` (constant-time).
   * `connection` (the request's socket) lets a pooled peer connection's repeated header skip the
   * digest (auth/connection-memo.ts).
   */
  authenticates(authorization: string | undefined, connection?: object): boolean {
    if (!this.token) return true;
    if (!authorization?.startsWith('Bearer ')) return false;
    return this.token.match(authorization.slice(7), connection) === true;
  }
}
