import { KeyObject, type webcrypto } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTHeaderParameters } from 'jose';
import type { Logger } from 'pino';
import type { DiscoveredIssuer } from './discovery-document.js';

/** An unknown `kid` re-fetches the key set at most this often (docs/auth.md, OIDC). */
const REFETCH_COOLDOWN_MS = 30_000;
const KEY_SET_WARN_EVERY_MS = 60_000;

export interface JwksKeyProviderOptions {
  logger: Pick<Logger, 'warn'>;
  now: () => number;
}

/** passport-jwt's `secretOrKeyProvider` callback shape. */
export type SecretOrKeyProvider = (req: unknown, rawJwt: string, done: (err: unknown, key?: string) => void) => void;

/**
 * The signing key of a JWT, from the JWKS that discovery found (jose's remote key set: fetched on
 * first use, cached, re-fetched for an unknown `kid` at most every 30 s), exported as a Node
 * public key in PEM for passport-jwt. A header `alg` outside the discovered set is refused before any
 * fetch, so `none`/`HS*` never reach the key set. When the key set itself is unreachable or broken,
 * every JWT fails and the operator gets a throttled WARN (never the token).
 */
export function jwksKeyProvider(discovered: DiscoveredIssuer, opts: JwksKeyProviderOptions): SecretOrKeyProvider {
  const remote = createRemoteJWKSet(new URL(discovered.jwksUri), { cooldownDuration: REFETCH_COOLDOWN_MS });
  let lastWarn = -Infinity;
  const keySetFailed = (err: unknown): void => {
    const now = opts.now();
    if (now - lastWarn < KEY_SET_WARN_EVERY_MS) return;
    lastWarn = now;
    const e = err as { message?: string; cause?: { code?: string } };
    const reason = [e.message ?? String(err), e.cause?.code].filter(Boolean).join(': ');
    opts.logger.warn({ jwks_uri: discovered.jwksUri, reason }, 'OIDC key set unavailable');
  };
  return (_req, rawJwt, done) => {
    let header: JWTHeaderParameters;
    try {
      header = decodeProtectedHeader(rawJwt) as JWTHeaderParameters;
    } catch (err) {
      return done(err);
    }
    if (typeof header.alg !== 'string' || !discovered.algorithms.includes(header.alg)) return done(new Error('algorithm not allowed'));
    const [protectedHeader = '', payload = '', signature = ''] = rawJwt.split('.');
    remote(header, { protected: protectedHeader, payload, signature })
      .catch((err: unknown) => {
        if (!(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)) keySetFailed(err);
        throw err;
      })
      .then(toPem)
      .then((pem) => done(null, pem), done);
  };
}

/** jose hands back a WebCrypto key (or a KeyObject); passport-jwt's jsonwebtoken takes PEM. */
function toPem(key: unknown): string {
  const object = key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
  return object.export({ type: 'spki', format: 'pem' }).toString();
}
