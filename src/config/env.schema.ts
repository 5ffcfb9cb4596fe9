/**
 * Every variable of docs/configuration.md §1 at the raw string level, defaults as initialisers.
 * Property order follows the docs/configuration.md §1 table; ENV_VARS is that order and decides which violation is reported first.
 */
import { IsIn, IsOptional, IsString, Matches } from './class-validator.js';
import {
  IsDialAddress,
  IsDurationInRange,
  IsIntegerInRange,
  IsIssuerUrl,
  IsListenAddress,
  IsPeerNameList,
  IsSeedList,
  IsSize,
} from './env-constraints.js';
import { NODE_ID_PATTERN, NO_WHITESPACE_256, TOKEN_PATTERN } from './patterns.js';

export const ENV_VARS = [
  'HYPERCACHE_NODE_ID',
  'HYPERCACHE_API_ADDR',
  'HYPERCACHE_MGMT_ADDR',
  'HYPERCACHE_DIST_ADDR',
  'HYPERCACHE_DIST_ADVERTISE_ADDR',
  'HYPERCACHE_SEEDS',
  'HYPERCACHE_REPLICATION',
  'HYPERCACHE_CAPACITY',
  'HYPERCACHE_MAX_MEMORY',
  'HYPERCACHE_EVICTION',
  'HYPERCACHE_MAX_VALUE_BYTES',
  'HYPERCACHE_LOG_LEVEL',
  'HYPERCACHE_LOG_FORMAT',
  'HYPERCACHE_HEARTBEAT',
  'HYPERCACHE_INDIRECT_PROBE_K',
  'HYPERCACHE_GOSSIP_INTERVAL',
  'HYPERCACHE_VNODES',
  'HYPERCACHE_READ_CONSISTENCY',
  'HYPERCACHE_WRITE_CONSISTENCY',
  'HYPERCACHE_HINT_TTL',
  'HYPERCACHE_HINT_REPLAY',
  'HYPERCACHE_HINT_MAX_PER_NODE',
  'HYPERCACHE_HINT_MAX_BYTES',
  'HYPERCACHE_REBALANCE_INTERVAL',
  'HYPERCACHE_MERKLE_INTERVAL',
  'HYPERCACHE_TOMBSTONE_TTL',
  'HYPERCACHE_SHUTDOWN_TIMEOUT',
  'HYPERCACHE_API_TLS_CERT',
  'HYPERCACHE_API_TLS_KEY',
  'HYPERCACHE_API_TLS_CLIENT_CA',
  'HYPERCACHE_AUTH_TOKEN',
  'HYPERCACHE_AUTH_CONFIG',
  'HYPERCACHE_OIDC_ISSUER',
  'HYPERCACHE_OIDC_AUDIENCE',
  'HYPERCACHE_OIDC_IDENTITY_CLAIM',
  'HYPERCACHE_OIDC_SCOPE_CLAIM',
  'HYPERCACHE_DIST_TOKEN',
  'HYPERCACHE_DIST_TLS_CERT',
  'HYPERCACHE_DIST_TLS_KEY',
  'HYPERCACHE_DIST_TLS_CA',
  'HYPERCACHE_DIST_TLS_ALLOWED_NAMES',
  'HYPERCACHE_DIST_INSECURE',
  'HYPERCACHE_API_ADVERTISE_ADDR',
] as const;

export type EnvVar = (typeof ENV_VARS)[number];

/** Shown as `<redacted>` in errors and in `/config`. */
export const SECRET_VARS: ReadonlySet<EnvVar> = new Set(['HYPERCACHE_AUTH_TOKEN', 'HYPERCACHE_DIST_TOKEN']);

const CONSISTENCY = /^(one|quorum|all)$/i;
const TOKEN_SYNTAX = 'expected 1 to 4096 visible ASCII characters (0x21-0x7E)';
const NO_WHITESPACE = 'expected 1 to 256 characters without whitespace';

// `implements` makes the compiler check that every name of ENV_VARS is declared here.
export class EnvSchema implements Record<EnvVar, string | undefined> {
  @Matches(NODE_ID_PATTERN, { message: `expected a node ID matching ${NODE_ID_PATTERN.source}` })
  HYPERCACHE_NODE_ID: string;

  @IsListenAddress(0)
  HYPERCACHE_API_ADDR = ':8080';

  @IsListenAddress(0)
  HYPERCACHE_MGMT_ADDR = ':8081';

  @IsListenAddress(1)
  HYPERCACHE_DIST_ADDR = ':7946';

  /** Default derived by the loader from DIST_ADDR or the OS hostname. */
  @IsDialAddress()
  HYPERCACHE_DIST_ADVERTISE_ADDR: string;

  @IsOptional()
  @IsSeedList()
  HYPERCACHE_SEEDS: string | undefined;

  @IsIntegerInRange(1, 16)
  HYPERCACHE_REPLICATION = '3';

  @IsIntegerInRange(0, 1_000_000_000)
  HYPERCACHE_CAPACITY = '100000';

  @IsSize()
  HYPERCACHE_MAX_MEMORY = '0';

  @IsIn(['lru', 'lfu'], { message: 'expected lru or lfu' })
  HYPERCACHE_EVICTION = 'lru';

  @IsSize({ min: '1KiB', max: '64MiB' })
  HYPERCACHE_MAX_VALUE_BYTES = '4MiB';

  @Matches(/^(debug|info|warn|error)$/i, { message: 'expected debug, info, warn or error' })
  HYPERCACHE_LOG_LEVEL = 'info';

  @IsIn(['json', 'pretty'], { message: 'expected json or pretty' })
  HYPERCACHE_LOG_FORMAT = 'json';

  @IsDurationInRange('10ms', '1h')
  HYPERCACHE_HEARTBEAT = '1s';

  @IsIntegerInRange(0, 10)
  HYPERCACHE_INDIRECT_PROBE_K = '2';

  @IsDurationInRange('10ms', '1h')
  HYPERCACHE_GOSSIP_INTERVAL = '1s';

  @IsIntegerInRange(1, 256)
  HYPERCACHE_VNODES = '64';

  @Matches(CONSISTENCY, { message: 'expected one, quorum or all' })
  HYPERCACHE_READ_CONSISTENCY = 'one';

  @Matches(CONSISTENCY, { message: 'expected one, quorum or all' })
  HYPERCACHE_WRITE_CONSISTENCY = 'quorum';

  @IsDurationInRange('100ms', '168h')
  HYPERCACHE_HINT_TTL = '30s';

  @IsDurationInRange('10ms', '1h')
  HYPERCACHE_HINT_REPLAY = '200ms';

  @IsIntegerInRange(1, 10_000_000)
  HYPERCACHE_HINT_MAX_PER_NODE = '10000';

  @IsSize()
  HYPERCACHE_HINT_MAX_BYTES = '64MiB';

  @IsDurationInRange('10ms', '1h')
  HYPERCACHE_REBALANCE_INTERVAL = '250ms';

  @IsDurationInRange('100ms', '24h', { allowZero: true })
  HYPERCACHE_MERKLE_INTERVAL = '10s';

  @IsDurationInRange('1s', '168h')
  HYPERCACHE_TOMBSTONE_TTL = '10m';

  @IsDurationInRange('1s', '10m')
  HYPERCACHE_SHUTDOWN_TIMEOUT = '30s';

  @IsOptional()
  @IsString()
  HYPERCACHE_API_TLS_CERT: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_API_TLS_KEY: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_API_TLS_CLIENT_CA: string | undefined;

  @IsOptional()
  @Matches(TOKEN_PATTERN, { message: TOKEN_SYNTAX })
  HYPERCACHE_AUTH_TOKEN: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_AUTH_CONFIG: string | undefined;

  @IsOptional()
  @IsIssuerUrl()
  HYPERCACHE_OIDC_ISSUER: string | undefined;

  @IsOptional()
  @Matches(NO_WHITESPACE_256, { message: NO_WHITESPACE })
  HYPERCACHE_OIDC_AUDIENCE: string | undefined;

  @Matches(NO_WHITESPACE_256, { message: NO_WHITESPACE })
  HYPERCACHE_OIDC_IDENTITY_CLAIM = 'sub';

  @Matches(NO_WHITESPACE_256, { message: NO_WHITESPACE })
  HYPERCACHE_OIDC_SCOPE_CLAIM = 'scope';

  @IsOptional()
  @Matches(TOKEN_PATTERN, { message: TOKEN_SYNTAX })
  HYPERCACHE_DIST_TOKEN: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_DIST_TLS_CERT: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_DIST_TLS_KEY: string | undefined;

  @IsOptional()
  @IsString()
  HYPERCACHE_DIST_TLS_CA: string | undefined;

  @IsOptional()
  @IsPeerNameList()
  HYPERCACHE_DIST_TLS_ALLOWED_NAMES: string | undefined;

  @Matches(/^(true|false)$/i, { message: 'expected true or false' })
  HYPERCACHE_DIST_INSECURE = 'false';

  /** Default derived by the loader from API_ADDR or the advertised dist host (unset when the API port is 0). */
  @IsOptional()
  @IsDialAddress()
  HYPERCACHE_API_ADVERTISE_ADDR: string | undefined;
}
