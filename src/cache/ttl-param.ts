import { parseGoDurationNs } from '../config/duration.js';
import { CacheError } from '../core/errors.js';

const NS_PER_MS = 1_000_000n;
/** 87600h (10 years), the longest TTL a PUT may ask for (docs/configuration.md §6). */
export const MAX_TTL_MS = 87_600 * 3_600_000;

/**
 * The `ttl` query of PUT (docs/api.md §1.3) in whole milliseconds, 0 = no expiry. Absent, empty and
 * zero durations mean no expiry; bad syntax, negative, non-zero under 1 ms or over 87600h → 400.
 */
export function parseTtlParam(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  let ns: bigint;
  try {
    ns = parseGoDurationNs(raw);
  } catch (err) {
    throw invalidTtl((err as Error).message);
  }
  if (ns === 0n) return 0;
  if (ns < 0n) throw invalidTtl('must not be negative');
  if (ns < NS_PER_MS) throw invalidTtl('must be at least 1ms');
  if (ns > BigInt(MAX_TTL_MS) * NS_PER_MS) throw invalidTtl('must be at most 87600h');
  return Number(ns / NS_PER_MS);
}

function invalidTtl(detail: string): CacheError {
  return new CacheError('BAD_REQUEST', `invalid ttl: ${detail}`);
}
