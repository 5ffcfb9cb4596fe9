import { clientAuthSources } from '../auth/auth-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { FatalConfigError } from '../config/fatal-config.error.js';
import { peerToken } from './peer-auth.js';

type TrustConfig = Pick<HypercacheConfig, 'authToken' | 'authConfigFile' | 'oidc' | 'distToken' | 'distTls' | 'distInsecure'>;

/**
 * A peer credential (docs/auth.md §6.1): a peer token, or peer mTLS restricted to named
 * certificates. Peer mTLS without `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` admits any certificate of the
 * dist CA, client certificates of a shared CA included, so it is not one on its own.
 */
export function hasPeerCredential(config: TrustConfig): boolean {
  return peerToken(config) !== undefined || (config.distTls?.allowedNames?.length ?? 0) > 0;
}

/** A closed node serving its dist listener without a peer credential: only with `HYPERCACHE_DIST_INSECURE=true`. */
export function distListenerInsecure(config: TrustConfig): boolean {
  return clientAuthSources(config).length > 0 && !hasPeerCredential(config);
}

/**
 * The boot check after the files and OIDC discovery: a closed client API with an open dist listener
 * would let anyone who reaches the dist port read and overwrite every key.
 */
export function checkPeerCredential(config: TrustConfig): void {
  if (!distListenerInsecure(config) || config.distInsecure) return;
  const mtls = config.distTls
    ? 'peer mTLS without HYPERCACHE_DIST_TLS_ALLOWED_NAMES admits any certificate of HYPERCACHE_DIST_TLS_CA'
    : 'no peer token and no peer mTLS';
  throw new FatalConfigError(
    `HYPERCACHE_DIST_TOKEN: not set while client auth is on (${clientAuthSources(config).join(', ')}) and ` +
      `the dist listener has no peer credential (${mtls}): set HYPERCACHE_DIST_TOKEN, or configure peer mTLS ` +
      'with HYPERCACHE_DIST_TLS_ALLOWED_NAMES, or set HYPERCACHE_DIST_INSECURE=true to serve the dist listener unauthenticated',
  );
}
