import { type Identity, type Scope, SCOPES } from '../scopes.js';

export interface ClaimNames {
  /** Claim holding the identity ID (HYPERCACHE_OIDC_IDENTITY_CLAIM, default `sub`). */
  identityClaim: string;
  /** Claim holding the scopes (HYPERCACHE_OIDC_SCOPE_CLAIM, default `scope`). */
  scopeClaim: string;
}

/**
 * Maps the claims of a verified JWT to an identity (docs/auth.md §5). No non-empty string identity
 * claim → not an identity (401). No usable scope → an identity with no scopes (403 on scoped routes).
 */
export function identityFromClaims(claims: Record<string, unknown>, names: ClaimNames): Identity | undefined {
  const id = ownClaim(claims, names.identityClaim);
  if (typeof id !== 'string' || id.length === 0) return undefined;
  return { id, scopes: scopesFromClaim(ownClaim(claims, names.scopeClaim)) };
}

/**
 * A string is split on whitespace, an array gives its string elements, anything else gives nothing.
 * Only exact `read`/`write`/`admin` survive, in claim order, each once.
 */
export function scopesFromClaim(value: unknown): Scope[] {
  const raw = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  const scopes: Scope[] = [];
  for (const item of raw) {
    if (isScope(item) && !scopes.includes(item)) scopes.push(item);
  }
  return scopes;
}

function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Own properties only: a claim name such as `constructor` must not reach Object.prototype. */
function ownClaim(claims: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}
