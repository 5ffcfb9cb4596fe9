import type { Logger } from 'pino';
import { AuthPolicy } from '../auth/auth-policy.js';
import type { DiscoveredIssuer } from '../auth/oidc/discovery-document.js';
import type { OidcJwtStrategy } from '../auth/oidc/oidc-jwt.strategy.js';
import type { AuthPolicy as AuthFile } from '../config/auth-config.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { DistTlsMaterial } from '../config/load-files.js';
import { CacheNode } from '../core/node.js';
import { loadXxHash64 } from '../core/ring/xxhash64.js';
import { type Clock, systemClock } from '../core/time/clock.js';
import { type Random, systemRandom } from '../core/time/random.js';
import { type Scheduler, systemScheduler } from '../core/time/scheduler.js';
import type { PeerClient } from '../peer/peer-client.js';
import type { MembershipDriver } from '../membership/membership-driver.js';
import { buildCluster } from './cluster.js';

/** Everything the three apps share, built once per process. */
export interface Core {
  config: HypercacheConfig;
  logger: Logger;
  node: CacheNode;
  membership: MembershipDriver;
  peers: PeerClient;
  auth: AuthPolicy;
  clock: Clock;
  startedAt: number;
  version: string;
}

export interface CoreOptions {
  clock?: Clock;
  scheduler?: Scheduler;
  random?: Random;
  version?: string;
  /** The parsed HYPERCACHE_AUTH_CONFIG file, when set. */
  authFile?: AuthFile;
  /** The OIDC discovery result (boot step 5); required when `config.oidc` is set. */
  oidcIssuer?: DiscoveredIssuer;
  /** The loaded HYPERCACHE_DIST_TLS_* files (peer mTLS), for the outbound peer connections. */
  distTls?: DistTlsMaterial;
}

const SKEW_LOG_EVERY_MS = 60_000;

export async function buildCore(config: HypercacheConfig, logger: Logger, opts: CoreOptions = {}): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  const scheduler = opts.scheduler ?? systemScheduler;
  let lastSkewLog = -Infinity;
  const node = new CacheNode({
    config,
    clock,
    scheduler,
    random: opts.random ?? systemRandom,
    hash: await loadXxHash64(),
    onLoopError: (loop, err) => logger.error({ loop, err }, 'background loop iteration failed'),
    onMembershipEffects: (effects) => membership.execute(effects),
    onClockSkew: (aheadMs) => {
      const now = clock.now();
      if (now - lastSkewLog < SKEW_LOG_EVERY_MS) return;
      lastSkewLog = now;
      logger.warn({ ahead_ms: aheadMs }, 'clock skew detected');
    },
  });
  const { membership, peers } = buildCluster(node, config, logger, { clock, scheduler }, opts.distTls);
  const jwt = await oidcVerifier(config, opts.oidcIssuer, logger, clock);
  return {
    config,
    logger,
    node,
    membership,
    peers,
    auth: AuthPolicy.fromConfig(config, opts.authFile, jwt),
    clock,
    startedAt: clock.now(),
    version: opts.version ?? '0.0.0',
  };
}

/**
 * The passport-jwt strategy for OIDC bearers, the chain's last link (docs/auth.md, OIDC). Loaded
 * only in OIDC mode: passport, passport-jwt and jose stay out of a node without an issuer.
 */
async function oidcVerifier(config: HypercacheConfig, issuer: DiscoveredIssuer | undefined, logger: Logger, clock: Clock): Promise<OidcJwtStrategy | undefined> {
  if (!config.oidc || !issuer) return undefined;
  const { createOidcJwtStrategy } = await import('../auth/oidc/oidc-jwt.strategy.js');
  return createOidcJwtStrategy(issuer, config.oidc, { logger, now: () => clock.now() });
}
