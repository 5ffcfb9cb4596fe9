import type { HypercacheConfig } from '../config/config.types.js';
import { formatGoDuration } from '../config/duration.js';
import { EXPIRY_INTERVAL_MS } from '../core/node.js';
import type { NodeSnapshot } from '../core/node-api.js';

/** `GET /config` (docs/api.md §2.3). `env` comes from the config loader, secrets already redacted. */
export interface ConfigView {
  nodeId: string;
  capacity: number;
  allocation: number;
  maxCacheSize: number;
  evictionAlgorithm: string;
  evictionInterval: string;
  expirationInterval: string;
  replication: number;
  virtualNodesPerNode: number;
  readConsistency: string;
  writeConsistency: string;
  env: Record<string, string>;
}

export function configView(config: HypercacheConfig, snapshot: NodeSnapshot): ConfigView {
  return {
    nodeId: config.nodeId,
    capacity: config.capacity,
    allocation: snapshot.bytes,
    maxCacheSize: config.maxMemory,
    evictionAlgorithm: config.eviction,
    // No background eviction loop: the write that exceeds a cap evicts (docs/api.md §2.3), hence "0s".
    evictionInterval: formatGoDuration(0),
    expirationInterval: formatGoDuration(EXPIRY_INTERVAL_MS),
    replication: config.replication,
    virtualNodesPerNode: config.vnodes,
    readConsistency: config.readConsistency,
    writeConsistency: config.writeConsistency,
    env: config.effectiveEnv,
  };
}
