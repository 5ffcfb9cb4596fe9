/**
 * Builds the typed configuration from the environment (docs/configuration.md §1, §2), checking every variable in
 * docs/configuration.md §1 table order and then the cross-checks of docs/configuration.md §4. Files are checked afterwards by load-files.ts.
 */
import type { ValidationError } from 'class-validator';
import { validateSync } from './class-validator.js';
import { formatAddress, isUnspecifiedHost, parseAddress } from './address.js';
import type { Consistency, EvictionPolicy, HypercacheConfig, ListenAddress, LogLevel } from './config.types.js';
import { checkCrossVariables } from './cross-checks.js';
import { parseGoDuration } from './duration.js';
import { effectiveEnv } from './effective-env.js';
import { ENV_VARS, EnvSchema, type EnvVar } from './env.schema.js';
import { FatalConfigError } from './fatal-config.error.js';
import { NODE_ID_PATTERN } from './patterns.js';
import { parsePeerNames } from './peer-names.js';
import { excludeSelf, parseSeeds } from './seeds.js';
import { parseSize } from './size.js';

const KNOWN_VARS: ReadonlySet<string> = new Set(ENV_VARS);

function readEnv(env: Record<string, string | undefined>): EnvSchema {
  const values = new EnvSchema();
  for (const name of ENV_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '') values[name] = value; // empty counts as unset
  }
  return values;
}

function nodeIdFromHostname(osHostname: string): string {
  if (NODE_ID_PATTERN.test(osHostname)) return osHostname;
  throw new FatalConfigError(
    `HYPERCACHE_NODE_ID: not set, and the OS hostname ${JSON.stringify(osHostname)} is not a valid node ID ` +
      `(${NODE_ID_PATTERN.source}): set HYPERCACHE_NODE_ID`,
  );
}

/** DIST_ADDR when it names a concrete host, else `<hostname>:<dist port>`; undefined when DIST_ADDR is invalid. */
function defaultAdvertise(
  distAddr: string,
  osHostname: string,
): { addr: string; fromHostname: boolean } | undefined {
  let dist: ListenAddress;
  try {
    dist = parseAddress(distAddr, { minPort: 1 });
  } catch {
    return undefined; // reported as a DIST_ADDR violation
  }
  if (!isUnspecifiedHost(dist.host)) return { addr: distAddr, fromHostname: false };
  return { addr: formatAddress(osHostname, dist.port), fromHostname: true };
}

/**
 * API_ADDR when it names a concrete host, else the host of the advertised dist address with the API
 * port; undefined when API_ADDR is invalid (reported as such) or its port is 0 (completed at bind).
 */
function defaultApiAdvertise(apiAddr: string, distAdvertise: string | undefined): string | undefined {
  try {
    const api = parseAddress(apiAddr, { minPort: 0 });
    if (api.port === 0) return undefined;
    if (!isUnspecifiedHost(api.host)) return apiAddr;
    if (distAdvertise === undefined) return undefined;
    return formatAddress(parseAddress(distAdvertise, { minPort: 1 }).host, api.port);
  } catch {
    return undefined;
  }
}

function tableOrder(a: ValidationError, b: ValidationError): number {
  return ENV_VARS.indexOf(a.property as EnvVar) - ENV_VARS.indexOf(b.property as EnvVar);
}

function reportFirstViolation(values: EnvSchema, advertiseHostname: string | undefined): void {
  const [first] = validateSync(values, { stopAtFirstError: true }).sort(tableOrder);
  if (!first) return;
  const name = first.property as EnvVar;
  if (name === 'HYPERCACHE_DIST_ADVERTISE_ADDR' && advertiseHostname !== undefined) {
    throw new FatalConfigError(
      `HYPERCACHE_DIST_ADVERTISE_ADDR: not set, and the OS hostname ${JSON.stringify(advertiseHostname)} ` +
        `gives no valid address: set HYPERCACHE_DIST_ADVERTISE_ADDR`,
    );
  }
  const expected = Object.values(first.constraints ?? {})[0] ?? 'invalid value';
  throw FatalConfigError.invalidValue(name, values[name], expected);
}

function optionalPair<T>(
  certFile: string | undefined,
  keyFile: string | undefined,
  build: (certFile: string, keyFile: string) => T,
): T | undefined {
  return certFile !== undefined && keyFile !== undefined ? build(certFile, keyFile) : undefined;
}

/** Typed values from validated strings (cross-checks passed, so pairs are complete). */
function toConfig(
  values: EnvSchema,
  advertiseFromHostname: boolean,
): Omit<HypercacheConfig, 'effectiveEnv' | 'unknownVars'> {
  const nodeId = values.HYPERCACHE_NODE_ID;
  const advertiseAddr = values.HYPERCACHE_DIST_ADVERTISE_ADDR;
  const seeds = excludeSelf(parseSeeds(values.HYPERCACHE_SEEDS ?? ''), { nodeId, advertiseAddr });
  const issuer = values.HYPERCACHE_OIDC_ISSUER;
  const audience = values.HYPERCACHE_OIDC_AUDIENCE;
  return {
    nodeId,
    apiAddr: parseAddress(values.HYPERCACHE_API_ADDR, { minPort: 0 }),
    mgmtAddr: parseAddress(values.HYPERCACHE_MGMT_ADDR, { minPort: 0 }),
    distAddr: parseAddress(values.HYPERCACHE_DIST_ADDR, { minPort: 1 }),
    advertiseAddr,
    advertiseFromHostname,
    ...(values.HYPERCACHE_API_ADVERTISE_ADDR !== undefined && { apiAdvertiseAddr: values.HYPERCACHE_API_ADVERTISE_ADDR }),
    seeds,
    replication: Number(values.HYPERCACHE_REPLICATION),
    capacity: Number(values.HYPERCACHE_CAPACITY),
    maxMemory: parseSize(values.HYPERCACHE_MAX_MEMORY),
    eviction: values.HYPERCACHE_EVICTION as EvictionPolicy,
    maxValueBytes: parseSize(values.HYPERCACHE_MAX_VALUE_BYTES),
    logLevel: values.HYPERCACHE_LOG_LEVEL.toLowerCase() as LogLevel,
    logFormat: values.HYPERCACHE_LOG_FORMAT as 'json' | 'pretty',
    heartbeatMs: parseGoDuration(values.HYPERCACHE_HEARTBEAT),
    indirectProbeK: Number(values.HYPERCACHE_INDIRECT_PROBE_K),
    gossipIntervalMs: parseGoDuration(values.HYPERCACHE_GOSSIP_INTERVAL),
    vnodes: Number(values.HYPERCACHE_VNODES),
    readConsistency: values.HYPERCACHE_READ_CONSISTENCY.toLowerCase() as Consistency,
    writeConsistency: values.HYPERCACHE_WRITE_CONSISTENCY.toLowerCase() as Consistency,
    hintTtlMs: parseGoDuration(values.HYPERCACHE_HINT_TTL),
    hintReplayMs: parseGoDuration(values.HYPERCACHE_HINT_REPLAY),
    hintMaxPerNode: Number(values.HYPERCACHE_HINT_MAX_PER_NODE),
    hintMaxBytes: parseSize(values.HYPERCACHE_HINT_MAX_BYTES),
    rebalanceIntervalMs: parseGoDuration(values.HYPERCACHE_REBALANCE_INTERVAL),
    merkleIntervalMs: parseGoDuration(values.HYPERCACHE_MERKLE_INTERVAL),
    tombstoneTtlMs: parseGoDuration(values.HYPERCACHE_TOMBSTONE_TTL),
    shutdownTimeoutMs: parseGoDuration(values.HYPERCACHE_SHUTDOWN_TIMEOUT),
    apiTls: optionalPair(values.HYPERCACHE_API_TLS_CERT, values.HYPERCACHE_API_TLS_KEY, (certFile, keyFile) => ({
      certFile,
      keyFile,
      ...(values.HYPERCACHE_API_TLS_CLIENT_CA !== undefined && { clientCaFile: values.HYPERCACHE_API_TLS_CLIENT_CA }),
    })),
    authToken: values.HYPERCACHE_AUTH_TOKEN,
    authConfigFile: values.HYPERCACHE_AUTH_CONFIG,
    oidc:
      issuer !== undefined && audience !== undefined
        ? {
            issuer,
            audience,
            identityClaim: values.HYPERCACHE_OIDC_IDENTITY_CLAIM,
            scopeClaim: values.HYPERCACHE_OIDC_SCOPE_CLAIM,
          }
        : undefined,
    oidcInsecure: issuer !== undefined && /^http:/i.test(issuer),
    distToken: values.HYPERCACHE_DIST_TOKEN,
    distTls: optionalPair(values.HYPERCACHE_DIST_TLS_CERT, values.HYPERCACHE_DIST_TLS_KEY, (certFile, keyFile) => ({
      certFile,
      keyFile,
      caFile: values.HYPERCACHE_DIST_TLS_CA!,
      ...(values.HYPERCACHE_DIST_TLS_ALLOWED_NAMES !== undefined && {
        allowedNames: parsePeerNames(values.HYPERCACHE_DIST_TLS_ALLOWED_NAMES),
      }),
    })),
    distInsecure: values.HYPERCACHE_DIST_INSECURE.toLowerCase() === 'true',
  };
}

/**
 * Validates the environment once at boot. Throws FatalConfigError (message = text after
 * `hypercache-server: fatal: `) for the first violation: variables in docs/configuration.md §1 order, then cross-checks.
 */
export function loadConfig(env: Record<string, string | undefined>, osHostname: string): HypercacheConfig {
  const values = readEnv(env);
  values.HYPERCACHE_NODE_ID ??= nodeIdFromHostname(osHostname);

  const derived =
    values.HYPERCACHE_DIST_ADVERTISE_ADDR === undefined
      ? defaultAdvertise(values.HYPERCACHE_DIST_ADDR, osHostname)
      : undefined;
  if (derived) values.HYPERCACHE_DIST_ADVERTISE_ADDR = derived.addr;
  const advertiseFromHostname = derived?.fromHostname ?? false;
  values.HYPERCACHE_API_ADVERTISE_ADDR ??= defaultApiAdvertise(values.HYPERCACHE_API_ADDR, values.HYPERCACHE_DIST_ADVERTISE_ADDR);

  reportFirstViolation(values, advertiseFromHostname ? osHostname : undefined);
  checkCrossVariables(values);
  return {
    ...toConfig(values, advertiseFromHostname),
    effectiveEnv: effectiveEnv(values),
    unknownVars: Object.keys(env)
      .filter((name) => name.startsWith('HYPERCACHE_') && !KNOWN_VARS.has(name))
      .sort(),
  };
}
