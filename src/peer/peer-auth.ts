import type { TLSSocket } from 'node:tls';
import { TokenMatcher } from '../auth/token-matcher.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { certificateAllowed, certificateNames } from '../config/peer-names.js';

/** The peer token (docs/auth.md §6): `HYPERCACHE_DIST_TOKEN`, else `HYPERCACHE_AUTH_TOKEN`. */
export function peerToken(config: Pick<HypercacheConfig, 'distToken' | 'authToken'>): string | undefined {
  return config.distToken ?? config.authToken;
}

/**
 * Inbound peer authentication, framework-free: the peer token, and the names a peer certificate must
 * carry (`HYPERCACHE_DIST_TLS_ALLOWED_NAMES`). Without a peer token every header passes (the listener
 * relies on peer mTLS, or is open). The TLS handshake checks that a certificate chains to the dist CA.
 */
export class PeerAuth {
  /** Per connection: whether its certificate carries an allowed name (read once per TLS connection). */
  private readonly admitted = new WeakMap<object, boolean>();

  private constructor(
    private readonly token: TokenMatcher<true> | undefined,
    private readonly allowedNames: readonly string[] | undefined,
    private readonly onRefused: ((names: string[]) => void) | undefined,
  ) {}

  /**
   * `onRefused` hears the names of each connection's certificate that the allowlist refuses (an empty
   * list for a connection without a verified certificate), once per connection.
   */
  static fromConfig(config: Pick<HypercacheConfig, 'distToken' | 'authToken' | 'distTls'>, onRefused?: (names: string[]) => void): PeerAuth {
    const token = peerToken(config);
    const names = config.distTls?.allowedNames;
    return new PeerAuth(token === undefined ? undefined : new TokenMatcher([[token, true]]), names?.length ? names : undefined, onRefused);
  }

  /** True when peer certificates are restricted by name (every connection must pass `admitsConnection`). */
  get checksCertificateNames(): boolean {
    return this.allowedNames !== undefined;
  }

  /**
   * Whether the connection's verified peer certificate carries an allowed name (SAN DNS entries, or
   * the CN without them). Always true without an allowlist; false for a connection without a certificate.
   */
  admitsConnection(connection: object): boolean {
    if (this.allowedNames === undefined) return true;
    let admitted = this.admitted.get(connection);
    if (admitted === undefined) {
      const socket = connection as Partial<TLSSocket>;
      const cert = socket.authorized === true ? socket.getPeerCertificate?.() : undefined;
      admitted = cert !== undefined && certificateAllowed(this.allowedNames, cert);
      this.admitted.set(connection, admitted);
      if (!admitted) this.onRefused?.(cert === undefined ? [] : certificateNames(cert));
    }
    return admitted;
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
