import type { Logger } from 'pino';
import type { HypercacheConfig } from '../config/config.types.js';
import { distAuthMode } from './server.js';

/** The boot-time WARN lines of CONTRACT §1.2, §2.1, §3.1 and §1.6. */
export function logBootWarnings(config: HypercacheConfig, logger: Logger): void {
  for (const name of config.unknownVars) logger.warn({ variable: name }, 'unknown environment variable');
  if (config.advertiseFromHostname) {
    logger.warn({ advertise_addr: config.advertiseAddr }, 'advertising hostname; set HYPERCACHE_DIST_ADVERTISE_ADDR');
  }
  if (config.oidcInsecure) logger.warn({ issuer: config.oidc?.issuer }, 'OIDC issuer uses plain http');
  const closed = Boolean(config.authToken || config.authConfigFile || config.oidc);
  if (!closed) logger.warn('client API running in open mode (no auth configured)');
  if (closed && distAuthMode(config) === 'none') logger.warn('dist listener is unauthenticated');
}
