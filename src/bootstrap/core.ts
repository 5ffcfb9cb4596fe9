import type { Logger } from 'pino';
import { AuthPolicy } from '../auth/auth-policy.js';
import type { AuthPolicy as AuthFile } from '../config/auth-config.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { CacheNode } from '../core/node.js';
import { loadXxHash64 } from '../core/ring/xxhash64.js';
import { type Clock, systemClock } from '../core/time/clock.js';
import { type Random, systemRandom } from '../core/time/random.js';

/** Everything the three apps share, built once per process. */
export interface Core {
  config: HypercacheConfig;
  logger: Logger;
  node: CacheNode;
  auth: AuthPolicy;
  clock: Clock;
  startedAt: number;
  version: string;
}

export interface CoreOptions {
  clock?: Clock;
  random?: Random;
  version?: string;
  /** The parsed HYPERCACHE_AUTH_CONFIG file, when set. */
  authFile?: AuthFile;
}

const SKEW_LOG_EVERY_MS = 60_000;

export async function buildCore(config: HypercacheConfig, logger: Logger, opts: CoreOptions = {}): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  let lastSkewLog = -Infinity;
  const node = new CacheNode({
    config,
    clock,
    random: opts.random ?? systemRandom,
    hash: await loadXxHash64(),
    onLoopError: (loop, err) => logger.error({ loop, err }, 'background loop iteration failed'),
    onJoinGraceElapsed: () => logger.warn('no seed reachable; serving as a single-node cluster'),
    onClockSkew: (aheadMs) => {
      const now = clock.now();
      if (now - lastSkewLog < SKEW_LOG_EVERY_MS) return;
      lastSkewLog = now;
      logger.warn({ ahead_ms: aheadMs }, 'clock skew detected');
    },
  });
  return {
    config,
    logger,
    node,
    auth: AuthPolicy.fromConfig(config, opts.authFile),
    clock,
    startedAt: clock.now(),
    version: opts.version ?? '0.0.0',
  };
}
