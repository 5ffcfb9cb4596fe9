/** Checks between variables (docs/configuration.md §4), in the order of the docs/configuration.md §4 table; run after every variable passed. */
import { formatGoDuration, parseGoDuration } from './duration.js';
import type { EnvSchema, EnvVar } from './env.schema.js';
import { FatalConfigError } from './fatal-config.error.js';
import { KIB, parseSize } from './size.js';

function requireTogether(values: EnvSchema, a: EnvVar, b: EnvVar): void {
  const [hasA, hasB] = [values[a] !== undefined, values[b] !== undefined];
  if (hasA === hasB) return;
  const [set, unset] = hasA ? [a, b] : [b, a];
  throw new FatalConfigError(`${set} is set without ${unset}: expected both or neither`);
}

function checkAuthSources(values: EnvSchema): void {
  if (values.HYPERCACHE_AUTH_TOKEN !== undefined && values.HYPERCACHE_AUTH_CONFIG !== undefined) {
    throw new FatalConfigError(
      'HYPERCACHE_AUTH_TOKEN and HYPERCACHE_AUTH_CONFIG are both set: expected at most one of them',
    );
  }
}

function checkApiTls(values: EnvSchema): void {
  requireTogether(values, 'HYPERCACHE_API_TLS_CERT', 'HYPERCACHE_API_TLS_KEY');
  if (values.HYPERCACHE_API_TLS_CLIENT_CA !== undefined && values.HYPERCACHE_API_TLS_CERT === undefined) {
    throw new FatalConfigError(
      'HYPERCACHE_API_TLS_CLIENT_CA is set without HYPERCACHE_API_TLS_CERT and HYPERCACHE_API_TLS_KEY: ' +
        'client certificates need HTTPS on the client API',
    );
  }
}

function checkDistTls(values: EnvSchema): void {
  const names = ['HYPERCACHE_DIST_TLS_CERT', 'HYPERCACHE_DIST_TLS_KEY', 'HYPERCACHE_DIST_TLS_CA'] as const;
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length === 0 || missing.length === names.length) return;
  const present = names.filter((name) => values[name] !== undefined);
  throw new FatalConfigError(
    `${missing.join(', ')} not set while ${present.join(', ')} set: ` +
      `expected ${names.join(', ')} all set or all unset`,
  );
}

function checkPeerNames(values: EnvSchema): void {
  if (values.HYPERCACHE_DIST_TLS_ALLOWED_NAMES === undefined || values.HYPERCACHE_DIST_TLS_CA !== undefined) return;
  throw new FatalConfigError(
    'HYPERCACHE_DIST_TLS_ALLOWED_NAMES is set without HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY and ' +
      'HYPERCACHE_DIST_TLS_CA: the allowed names apply to peer certificates, which need peer mTLS',
  );
}

function checkTombstoneTtl(values: EnvSchema): void {
  const tombstone = parseGoDuration(values.HYPERCACHE_TOMBSTONE_TTL);
  const hintTtl = parseGoDuration(values.HYPERCACHE_HINT_TTL);
  const merkle = parseGoDuration(values.HYPERCACHE_MERKLE_INTERVAL);
  const invalid = (expected: string): FatalConfigError =>
    FatalConfigError.invalidValue('HYPERCACHE_TOMBSTONE_TTL', values.HYPERCACHE_TOMBSTONE_TTL, expected);
  if (tombstone <= hintTtl) {
    throw invalid(`expected more than HYPERCACHE_HINT_TTL (${formatGoDuration(hintTtl)})`);
  }
  if (merkle !== 0 && tombstone < 2 * merkle) {
    throw invalid(
      `expected at least 2 × HYPERCACHE_MERKLE_INTERVAL (${formatGoDuration(2 * merkle)}) while anti-entropy is on`,
    );
  }
}

function checkByteCaps(values: EnvSchema): void {
  const floor = parseSize(values.HYPERCACHE_MAX_VALUE_BYTES) + KIB;
  const floorText = `HYPERCACHE_MAX_VALUE_BYTES + 1 KiB (${floor} bytes)`;
  const maxMemory = parseSize(values.HYPERCACHE_MAX_MEMORY);
  if (maxMemory !== 0 && maxMemory < floor) {
    const { HYPERCACHE_MAX_MEMORY: value } = values;
    throw FatalConfigError.invalidValue('HYPERCACHE_MAX_MEMORY', value, `expected 0 or at least ${floorText}`);
  }
  if (parseSize(values.HYPERCACHE_HINT_MAX_BYTES) < floor) {
    const { HYPERCACHE_HINT_MAX_BYTES: value } = values;
    throw FatalConfigError.invalidValue('HYPERCACHE_HINT_MAX_BYTES', value, `expected at least ${floorText}`);
  }
}

export function checkCrossVariables(values: EnvSchema): void {
  checkAuthSources(values);
  requireTogether(values, 'HYPERCACHE_OIDC_ISSUER', 'HYPERCACHE_OIDC_AUDIENCE');
  checkApiTls(values);
  checkDistTls(values);
  checkPeerNames(values);
  checkTombstoneTtl(values);
  checkByteCaps(values);
}
