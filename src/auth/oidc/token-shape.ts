/**
 * The structural rules a JWT must meet before any key is looked up (docs/auth.md, OIDC "Per
 * request"). passport-jwt's verifier (jsonwebtoken) checks the signature, `alg`, `iss`, `aud`,
 * `exp`/`nbf`; these are the rules of RFC 7515/7519 it leaves out, so a token breaking them is
 * refused as before the strategy existed:
 *
 * - header and claims are strict UTF-8 JSON objects (no replacement characters);
 * - `crit` (critical header extensions): this node understands none beyond `b64`, and a JWT must
 *   have a base64url payload, so `crit` may only list `b64` (non-empty), with `"b64":true`;
 * - `iat`, `nbf` and `exp` are numbers when present.
 */

export interface TokenHeader {
  alg: string;
  kid?: string;
  [parameter: string]: unknown;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NUMERIC_DATES = ['iat', 'nbf', 'exp'] as const;

/** The protected header of a compact JWT whose shape is admissible and whose `alg` is allowed; otherwise why not. */
export function admitToken(rawJwt: string, algorithms: readonly string[]): TokenHeader | Error {
  const parts = rawJwt.split('.');
  if (parts.length !== 3) return new Error('not a compact JWS');
  const header = jsonObject(parts[0]!);
  if (!header) return new Error('header is not a JSON object');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) return new Error('algorithm not allowed');
  if (header.crit !== undefined && !(isOnlyB64(header.crit) && header.b64 === true)) return new Error('unsupported critical header');
  const claims = jsonObject(parts[1]!);
  if (!claims) return new Error('claims are not a JSON object');
  if (NUMERIC_DATES.some((c) => claims[c] !== undefined && typeof claims[c] !== 'number')) return new Error('invalid date claim');
  return header as TokenHeader;
}

/** The header's `alg` without any other check: which verifier the strategy hands the token to. */
export function peekAlgorithm(rawJwt: string): unknown {
  const dot = rawJwt.indexOf('.');
  return dot > 0 ? jsonObject(rawJwt.slice(0, dot))?.alg : undefined;
}

function isOnlyB64(crit: unknown): boolean {
  return Array.isArray(crit) && crit.length > 0 && crit.every((parameter) => parameter === 'b64');
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
