/** The `env` map of `GET /config` (docs/api.md §2.3): every docs/configuration.md §1 variable as its effective string. */
import { formatGoDuration, parseGoDuration } from './duration.js';
import { ENV_VARS, SECRET_VARS, type EnvSchema, type EnvVar } from './env.schema.js';
import { parsePeerNames } from './peer-names.js';
import { parseSeeds } from './seeds.js';
import { parseSize } from './size.js';

const DURATION_VARS = new Set<EnvVar>([
  'HYPERCACHE_HEARTBEAT',
  'HYPERCACHE_GOSSIP_INTERVAL',
  'HYPERCACHE_HINT_TTL',
  'HYPERCACHE_HINT_REPLAY',
  'HYPERCACHE_REBALANCE_INTERVAL',
  'HYPERCACHE_MERKLE_INTERVAL',
  'HYPERCACHE_TOMBSTONE_TTL',
  'HYPERCACHE_SHUTDOWN_TIMEOUT',
]);
const SIZE_VARS = new Set<EnvVar>(['HYPERCACHE_MAX_MEMORY', 'HYPERCACHE_MAX_VALUE_BYTES', 'HYPERCACHE_HINT_MAX_BYTES']);
const CASE_INSENSITIVE_VARS = new Set<EnvVar>([
  'HYPERCACHE_LOG_LEVEL',
  'HYPERCACHE_READ_CONSISTENCY',
  'HYPERCACHE_WRITE_CONSISTENCY',
  'HYPERCACHE_DIST_INSECURE',
]);

function effectiveValue(name: EnvVar, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_VARS.has(name)) return '<redacted>';
  if (DURATION_VARS.has(name)) return formatGoDuration(parseGoDuration(value));
  if (SIZE_VARS.has(name)) return String(parseSize(value));
  if (CASE_INSENSITIVE_VARS.has(name)) return value.toLowerCase();
  if (name === 'HYPERCACHE_SEEDS') return parseSeeds(value).map((seed) => seed.raw).join(',');
  if (name === 'HYPERCACHE_DIST_TLS_ALLOWED_NAMES') return parsePeerNames(value).join(',');
  return value;
}

/** Expects validated values with defaults (and derived defaults) filled in. */
export function effectiveEnv(values: EnvSchema): Record<EnvVar, string> {
  return Object.fromEntries(ENV_VARS.map((name) => [name, effectiveValue(name, values[name])])) as Record<
    EnvVar,
    string
  >;
}
