import { KeyObject, type webcrypto } from 'node:crypto';
import { createRemoteJWKSet, errors } from 'jose';
import type { Logger } from 'pino';
import type { DiscoveredIssuer } from './discovery-document.js';
import { admitToken } from './token-shape.js';

/** An unknown `kid` re-fetches the key set at most this often (docs/auth.md, OIDC). */
const REFETCH_COOLDOWN_MS = 30_000;
const KEY_SET_WARN_EVERY_MS = 60_000;
/** RSA keys shorter than this are refused for the RS and PS algorithms (RFC 7518 §3.3, docs/auth.md §4). */
const MIN_RSA_BITS = 2048;

export interface JwksKeyProviderOptions {
  logger: Pick<Logger, 'warn'>;
  now: () => number;
}

/**
 * passport-jwt's `secretOrKeyProvider` callback. The key is a Node `KeyObject`, which jsonwebtoken
 * (and jose, for EdDSA) take as is: no PEM round trip per request.
 */
export type JwtKeyProvider = (req: unknown, rawJwt: string, done: (err: unknown, key?: KeyObject) => void) => void;

/**
 * The signing key of a JWT, from the JWKS that discovery found (jose's remote key set: fetched on
 * first use, cached, re-fetched for an unknown `kid` at most every 30 s). A token whose shape is not
 * admissible (token-shape.ts) or whose header `alg` is outside the discovered set is refused before
 * any fetch, so `none`/`HS*` never reach the key set; an RSA key under 2048 bits is refused. When
 * the key set itself is unreachable or broken, every JWT fails and the operator gets a throttled
 * WARN (never the token).
 */
export function jwksKeyProvider(discovered: DiscoveredIssuer, opts: JwksKeyProviderOptions): JwtKeyProvider {
  const remote = createRemoteJWKSet(new URL(discovered.jwksUri), { cooldownDuration: REFETCH_COOLDOWN_MS });
  const keyObjects = new WeakMap<object, KeyObject>();
  let lastWarn = -Infinity;
  const keySetFailed = (err: unknown): void => {
    const now = opts.now();
    if (now - lastWarn < KEY_SET_WARN_EVERY_MS) return;
    lastWarn = now;
    const e = err as { message?: string; cause?: { code?: string } };
    const reason = [e.message ?? String(err), e.cause?.code].filter(Boolean).join(': ');
    opts.logger.warn({ jwks_uri: discovered.jwksUri, reason }, 'OIDC key set unavailable');
  };
  /** jose's key set hands back WebCrypto keys (cached per JWK); each is converted once. */
  const keyObjectOf = (key: webcrypto.CryptoKey | KeyObject): KeyObject => {
    if (key instanceof KeyObject) return key;
    let object = keyObjects.get(key);
    if (!object) keyObjects.set(key, (object = KeyObject.from(key)));
    return object;
  };
  return (_req, rawJwt, done) => {
    const header = admitToken(rawJwt, discovered.algorithms);
    if (header instanceof Error) return done(header);
    const [protectedHeader = '', payload = '', signature = ''] = rawJwt.split('.');
    remote(header, { protected: protectedHeader, payload, signature })
      .catch((err: unknown) => {
        if (!(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)) keySetFailed(err);
        throw err;
      })
      .then((key) => {
        const object = keyObjectOf(key as webcrypto.CryptoKey);
        if (/^(RS|PS)/.test(header.alg) && (object.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
          throw new Error(`${header.alg} requires an RSA key of at least ${MIN_RSA_BITS} bits`);
        }
        return object;
      })
      .then((object) => done(null, object), done);
  };
}
