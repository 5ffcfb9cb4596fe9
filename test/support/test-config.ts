import type { HypercacheConfig } from '../../src/config/config.types.js';

/** A valid single-node configuration on ephemeral loopback ports, for in-process tests. */
export function testConfig(overrides: Partial<HypercacheConfig> = {}): HypercacheConfig {
  const addr = (raw: string) => ({ host: '127.0.0.1', port: 0, raw });
  return {
    nodeId: 'node-test',
    apiAddr: addr('127.0.0.1:0'),
    mgmtAddr: addr('127.0.0.1:0'),
    distAddr: addr('127.0.0.1:0'),
    advertiseAddr: '127.0.0.1:7946',
    advertiseFromHostname: false,
    seeds: [],
    replication: 3,
    capacity: 100_000,
    maxMemory: 0,
    eviction: 'lru',
    maxValueBytes: 4 * 1024 * 1024,
    logLevel: 'error',
    logFormat: 'json',
    heartbeatMs: 1000,
    indirectProbeK: 2,
    gossipIntervalMs: 1000,
    vnodes: 64,
    readConsistency: 'one',
    writeConsistency: 'quorum',
    hintTtlMs: 30_000,
    hintReplayMs: 200,
    hintMaxPerNode: 10_000,
    hintMaxBytes: 64 * 1024 * 1024,
    rebalanceIntervalMs: 250,
    merkleIntervalMs: 10_000,
    tombstoneTtlMs: 600_000,
    shutdownTimeoutMs: 30_000,
    effectiveEnv: {},
    unknownVars: [],
    ...overrides,
  };
}
