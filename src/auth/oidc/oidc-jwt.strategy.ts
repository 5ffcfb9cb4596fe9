import { PassportStrategy } from '@nestjs/passport';
import { jwtVerify } from 'jose';
import passport from 'passport';
import { Strategy as JwtStrategy, type SecretOrKeyProvider } from 'passport-jwt';
import type { BearerVerifier } from '../auth-policy.js';
import type { Identity } from '../scopes.js';
import { type ClaimNames, identityFromClaims } from './claims.js';
import type { DiscoveredIssuer } from './discovery-document.js';
import { type JwksKeyProviderOptions, jwksKeyProvider } from './jwks-key-provider.js';
import { peekAlgorithm } from './token-shape.js';

/** Seconds of clock tolerance on `exp` and `nbf` (docs/auth.md, OIDC). */
const CLOCK_TOLERANCE_S = 30;

/** The request shape the strategy reads: the bearer the static links of the chain did not match. */
interface BearerCarrier {
  bearer: string;
}

/** What passport's (Express-typed) declarations call the request. */
type PassportRequest = Parameters<JwtStrategy['authenticate']>[0];

let instances = 0;

/** The OIDC link of the resolution chain; `name` is its process-global passport name. */
export type OidcJwtStrategy = BearerVerifier & { readonly name: string; close(): void };

/**
 * The OIDC bearer check as a passport-jwt strategy (docs/auth.md, OIDC): the key comes from the
 * discovered JWKS through `secretOrKeyProvider`, and passport-jwt verifies the signature, `alg`
 * (the discovered allowed set), `iss`, `aud`, `exp`/`nbf` (30 s tolerance). `validate` then requires
 * `exp` and maps the claims to an identity.
 *
 * passport-jwt verifies with jsonwebtoken, which has no `EdDSA`. A token whose header names
 * `EdDSA` therefore takes the one other path inside the same strategy: same key provider, same
 * checks (issuer, audience, allowed algorithms, tolerance, `exp` required) through jose's
 * `jwtVerify`, same `validate`, same passport success/fail.
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
  const keys = jwksKeyProvider(discovered, opts);
  const checks = { issuer: discovered.issuer, audience: settings.audience, clockTolerance: CLOCK_TOLERANCE_S };

  class Strategy extends PassportStrategy(JwtStrategy, name) implements OidcJwtStrategy {
    override readonly name = name;

    validate(payload: Record<string, unknown>): Identity | null {
      if (typeof payload.exp !== 'number') return null;
      return identityFromClaims(payload, settings) ?? null;
    }

    /** passport calls this per token: jsonwebtoken (passport-jwt's own path) for every algorithm but EdDSA. */
    override authenticate(req: PassportRequest, options?: object): void {
      const { bearer } = req as unknown as BearerCarrier; // passport's types assume Express; verify() passes the carrier
      if (peekAlgorithm(bearer) !== 'EdDSA') return super.authenticate(req, options);
      keys(req, bearer, (keyError, key) => {
        if (keyError || !key) return this.fail(401);
        jwtVerify(bearer, key, { ...checks, algorithms: ['EdDSA'], requiredClaims: ['exp'] }).then(
          ({ payload }) => {
            const user = this.validate(payload);
            return user ? this.success(user) : this.fail(401);
          },
          () => this.fail(401),
        );
      });
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
    // jsonwebtoken takes a KeyObject as well as PEM; @types/passport-jwt lists only string | Buffer.
    secretOrKeyProvider: keys as unknown as SecretOrKeyProvider,
    issuer: checks.issuer,
    audience: checks.audience,
    algorithms: discovered.algorithms.filter((a) => a !== 'EdDSA') as never,
    jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_S },
  });
}
