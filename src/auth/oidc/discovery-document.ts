/** Signature algorithms a JWT may use (docs/auth.md §5); `none` and HS* are never among them. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;

/** What the boot-time discovery keeps for verifying JWTs. */
export interface DiscoveredIssuer {
  issuer: string;
  jwksUri: string;
  /** Allowed header `alg` values, in the document's order. */
  algorithms: string[];
}

export type DocumentCheck = { ok: true; issuer: DiscoveredIssuer } | { ok: false; reason: string };

/**
 * Checks a fetched `openid-configuration` document against the configured issuer (docs/auth.md §5).
 * `insecure`: the issuer itself is plain http (tests, with a boot WARN), so an http `jwks_uri` is
 * acceptable; for an https issuer the keys must come over https too.
 */
export function checkDiscoveryDocument(doc: unknown, configuredIssuer: string, { insecure }: { insecure: boolean }): DocumentCheck {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('invalid document: not a JSON object');
  const fields = doc as Record<string, unknown>;
  if (typeof fields.issuer !== 'string') return fail('invalid document: "issuer" is missing or not a string');
  // Exact string equality: no URL normalisation (case, default port, trailing slash).
  if (fields.issuer !== configuredIssuer) return fail(`issuer mismatch: the document names ${JSON.stringify(fields.issuer)}`);
  if (fields.jwks_uri === undefined) return fail('no jwks_uri in the document');
  if (!isFetchableUrl(fields.jwks_uri, insecure)) {
    return fail(`invalid document: jwks_uri ${JSON.stringify(fields.jwks_uri)} is not an absolute ${insecure ? 'http(s)' : 'https'} URL`);
  }
  const algorithms = allowedAlgorithms(fields.id_token_signing_alg_values_supported);
  if (typeof algorithms === 'string') return fail(algorithms);
  return { ok: true, issuer: { issuer: fields.issuer, jwksUri: fields.jwks_uri, algorithms } };
}

/** The asymmetric algorithms listed, or only RS256 when the field is absent; a string is the failure reason. */
export function allowedAlgorithms(listed: unknown): string[] | string {
  if (listed === undefined) return ['RS256'];
  if (!Array.isArray(listed) || !listed.every((a) => typeof a === 'string')) {
    return 'invalid document: id_token_signing_alg_values_supported is not an array of strings';
  }
  const allowed = [...new Set(listed.filter((a) => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a)))];
  if (allowed.length === 0) {
    return `id_token_signing_alg_values_supported lists no asymmetric algorithm (${JSON.stringify(listed)})`;
  }
  return allowed;
}

function isFetchableUrl(value: unknown, insecure: boolean): value is string {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'https:' || (insecure && protocol === 'http:');
}

function fail(reason: string): DocumentCheck {
  return { ok: false, reason };
}
