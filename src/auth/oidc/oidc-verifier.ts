import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { BearerVerifier } from '../auth-policy.js';
import type { Identity } from '../scopes.js';
import { type ClaimNames, identityFromClaims } from './claims.js';
import type { DiscoveredIssuer } from './discovery-document.js';

export interface OidcVerifierOptions {
  logger: Pick<Logger, 'warn'>;
  now: () => number;
}

/** Seconds of clock tolerance on `exp` and `nbf` (CONTRACT §3.4). */
const CLOCK_TOLERANCE_S = 30;
/** An unknown `kid` re-fetches the key set at most this often (CONTRACT §3.4). */
const REFETCH_COOLDOWN_MS = 30_000;
const KEY_SET_WARN_EVERY_MS = 60_000;

/**
 * Per-request JWT verification (CONTRACT §3.4): signature against the issuer's JWKS (fetched lazily,
 * cached), header `alg` in the discovered allowed set, `iss`, `aud`, `exp` and `nbf`, then the
 * claim mapping. Never rejects: a token that does not verify is simply not an identity.
 */
export class OidcVerifier implements BearerVerifier {
  private readonly keys: JWTVerifyGetKey;
  private lastKeySetWarn = -Infinity;

  constructor(
    private readonly discovered: DiscoveredIssuer,
    private readonly settings: ClaimNames & { audience: string },
    private readonly opts: OidcVerifierOptions,
  ) {
    const remote = createRemoteJWKSet(new URL(discovered.jwksUri), { cooldownDuration: REFETCH_COOLDOWN_MS });
    this.keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)) this.keySetFailed(err);
        throw err;
      }
    };
  }

  async verify(token: string): Promise<Identity | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.discovered.issuer,
        audience: this.settings.audience,
        algorithms: this.discovered.algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      });
      return identityFromClaims(payload, this.settings);
    } catch {
      return undefined;
    }
  }

  /** The IdP's key set is unreachable or broken: every JWT gets 401, so tell the operator (throttled). */
  private keySetFailed(err: unknown): void {
    const now = this.opts.now();
    if (now - this.lastKeySetWarn < KEY_SET_WARN_EVERY_MS) return;
    this.lastKeySetWarn = now;
    const e = err as { message?: string; cause?: { code?: string } };
    const reason = [e.message ?? String(err), e.cause?.code].filter(Boolean).join(': ');
    this.opts.logger.warn({ jwks_uri: this.discovered.jwksUri, reason }, 'OIDC key set unavailable');
  }
}
