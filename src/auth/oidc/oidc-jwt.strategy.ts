import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { Strategy as JwtStrategy } from 'passport-jwt';
import type { BearerVerifier } from '../auth-policy.js';
import type { Identity } from '../scopes.js';
import { type ClaimNames, identityFromClaims } from './claims.js';
import type { DiscoveredIssuer } from './discovery-document.js';
import { type JwksKeyProviderOptions, jwksKeyProvider } from './jwks-key-provider.js';

/** Seconds of clock tolerance on `exp` and `nbf` (docs/auth.md, OIDC). */
const CLOCK_TOLERANCE_S = 30;

/** The request shape the strategy reads: the bearer the static links of the chain did not match. */
interface BearerCarrier {
  bearer: string;
}

let instances = 0;

/** The strategy's process-global passport name: unique per instance. */
export type OidcJwtStrategy = BearerVerifier & { readonly name: string; close(): void };

/**
 * The OIDC bearer check as a passport-jwt strategy (docs/auth.md, OIDC): the key comes from the
 * discovered JWKS through `secretOrKeyProvider`, and passport-jwt verifies the signature, `alg`
 * (the discovered allowed set), `iss`, `aud`, `exp`/`nbf` (30 s tolerance). `validate` then requires
 * `exp` and maps the claims to an identity.
 *
 * Passport's strategy registry is process-global and the client and management apps (and, in tests,
 * several nodes) live in one process, so every instance registers under its own name
 * (`hypercache-oidc-<n>`) and `close()` removes it.
 */
export function createOidcJwtStrategy(
  discovered: DiscoveredIssuer,
  settings: ClaimNames & { audience: string },
  opts: JwksKeyProviderOptions,
): OidcJwtStrategy {
  const name = `hypercache-oidc-${++instances}`;

  class Strategy extends PassportStrategy(JwtStrategy, name) implements OidcJwtStrategy {
    override readonly name = name;

    validate(payload: Record<string, unknown>): Identity | null {
      if (typeof payload.exp !== 'number') return null;
      return identityFromClaims(payload, settings) ?? null;
    }

    /** The last link of the resolution chain. Resolves to undefined (never rejects) when the token is no identity. */
    verify(token: string): Promise<Identity | undefined> {
      return new Promise((resolve) => {
        const carrier: BearerCarrier = { bearer: token };
        const done = (err: unknown, user?: Identity | false) => resolve(err || !user ? undefined : user);
        passport.authenticate(name, { session: false }, done)(carrier, {}, (err: unknown) => done(err));
      });
    }

    close(): void {
      passport.unuse(name);
    }
  }

  return new Strategy({
    jwtFromRequest: (req: BearerCarrier) => req.bearer,
    secretOrKeyProvider: jwksKeyProvider(discovered, opts),
    issuer: discovered.issuer,
    audience: settings.audience,
    algorithms: discovered.algorithms as never,
    jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_S },
  });
}
