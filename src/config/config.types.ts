/** The validated, typed configuration built once at boot (docs/configuration.md). Durations are whole ms, sizes bytes. */
export type Consistency = 'one' | 'quorum' | 'all';
export type EvictionPolicy = 'lru' | 'lfu';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ListenAddress {
  /** Host to bind; '' means all interfaces (`:port`). IPv6 literals without brackets. */
  host: string;
  port: number;
  /** The address as written (e.g. `:8080`, `127.0.0.1:0`). */
  raw: string;
}

export type Seed =
  | { kind: 'id'; id: string; host: string; port: number; raw: string }
  | { kind: 'addr'; host: string; port: number; raw: string }
  | { kind: 'dns'; host: string; port: number; raw: string };

export interface HypercacheConfig {
  nodeId: string;
  apiAddr: ListenAddress;
  mgmtAddr: ListenAddress;
  distAddr: ListenAddress;
  /** host:port peers dial; `advertiseFromHostname` when derived from the OS hostname (WARN at boot). */
  advertiseAddr: string;
  advertiseFromHostname: boolean;
  /**
   * host:port of the client API that other nodes publish in `GET /v1/topology`. Undefined only when
   * derived from an ephemeral API port (`:0`): the bound port completes it at boot.
   */
  apiAdvertiseAddr?: string;
  seeds: Seed[];
  replication: number;
  capacity: number;
  maxMemory: number;
  eviction: EvictionPolicy;
  maxValueBytes: number;
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  heartbeatMs: number;
  indirectProbeK: number;
  gossipIntervalMs: number;
  vnodes: number;
  readConsistency: Consistency;
  writeConsistency: Consistency;
  hintTtlMs: number;
  hintReplayMs: number;
  hintMaxPerNode: number;
  hintMaxBytes: number;
  rebalanceIntervalMs: number;
  merkleIntervalMs: number;
  tombstoneTtlMs: number;
  shutdownTimeoutMs: number;
  apiTls?: { certFile: string; keyFile: string; clientCaFile?: string };
  authToken?: string;
  authConfigFile?: string;
  oidc?: { issuer: string; audience: string; identityClaim: string; scopeClaim: string };
  /** The OIDC issuer is `http://` (accepted, WARN at boot). Always set by loadConfig. */
  oidcInsecure?: boolean;
  distToken?: string;
  /** Peer mTLS; `allowedNames` (lower-cased, `*.` wildcards) restricts the peer certificates admitted. */
  distTls?: { certFile: string; keyFile: string; caFile: string; allowedNames?: string[] };
  /** `HYPERCACHE_DIST_INSECURE=true`: a closed node may serve the dist listener without a peer credential. */
  distInsecure?: boolean;
  /** Every docs/configuration.md §1 variable with its effective value as a string, secrets redacted (docs/api.md §2.3 `env`). */
  effectiveEnv: Record<string, string>;
  /** HYPERCACHE_* variables present in the environment but not in docs/configuration.md §1 (WARN at boot). */
  unknownVars: string[];
}
