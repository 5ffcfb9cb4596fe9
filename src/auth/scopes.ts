/** Scopes are not hierarchical (docs/auth.md §3): `write` does not imply `read`. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Identity {
  id: string;
  scopes: Scope[];
}

export function capabilities(identity: Identity): string[] {
  return identity.scopes.map((s) => `cache.${s}`);
}

export function hasScope(identity: Identity, scope: Scope): boolean {
  return identity.scopes.includes(scope);
}
