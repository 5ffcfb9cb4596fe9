import type { Logger } from 'pino';
import { clientAuthSources } from '../auth/auth-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { distListenerInsecure } from '../peer/peer-trust.js';
import { distAuthMode } from './server.js';

/** The boot-time WARN lines (docs/configuration.md §5). */
export function logBootWarnings(config: HypercacheConfig, logger: Logger): void {
  for (const name of config.unknownVars) logger.warn({ variable: name }, 'unknown environment variable');
  if (config.advertiseFromHostname) {
    logger.warn({ advertise_addr: config.advertiseAddr }, 'advertising hostname; set HYPERCACHE_DIST_ADVERTISE_ADDR');
  }
  if (config.oidcInsecure) logger.warn({ issuer: config.oidc?.issuer }, 'OIDC issuer uses plain http');
  if (clientAuthSources(config).length === 0) logger.warn('client API running in open mode (no auth configured)');
  // Without the opt-out the node does not boot (dist/peer-trust.ts checkPeerCredential, after OIDC discovery).
  if (distListenerInsecure(config) && config.distInsecure) {
    logger.warn({ dist_auth: distAuthMode(config), variable: 'HYPERCACHE_DIST_INSECURE' }, 'dist listener is unauthenticated');
  }
}
