import { CacheError } from '../core/errors.js';
import { compileKeyPattern, type KeyMatcher } from '../core/keys/glob.js';
import { firstValue } from './key-param.js';

/** Defaults and clamps of the key browser (CONTRACT §4.10, §8). */
const LIMIT_DEFAULT = 100;
const LIMIT_CAP = 500;
const MAX_DEFAULT = 10_000;
const MAX_CAP = 50_000;
const PATTERN_MAX_BYTES = 1024;

export interface BrowseQuery {
  pattern: string;
  match: KeyMatcher;
  cursor: number;
  limit: number;
  max: number;
}

/** Validates `q`, `cursor`, `limit`, `max`; an empty value counts as absent. */
export function parseBrowseQuery(query: Record<string, unknown>): BrowseQuery {
  const q = firstValue(query.q) ?? '';
  if (Buffer.byteLength(q, 'utf8') > PATTERN_MAX_BYTES) {
    throw new CacheError('BAD_REQUEST', `invalid q: must be at most ${PATTERN_MAX_BYTES} bytes`);
  }
  const cursor = integerParam(query.cursor, 0, 'invalid cursor: must be a non-negative integer');
  const limit = integerParam(query.limit, LIMIT_DEFAULT, 'invalid limit: must be a positive integer');
  const max = integerParam(query.max, MAX_DEFAULT, 'invalid max: must be a positive integer');
  if (limit < 1) throw new CacheError('BAD_REQUEST', 'invalid limit: must be a positive integer');
  if (max < 1) throw new CacheError('BAD_REQUEST', 'invalid max: must be a positive integer');
  return { pattern: q, match: compileKeyPattern(q), cursor, limit: Math.min(limit, LIMIT_CAP), max: Math.min(max, MAX_CAP) };
}

/** One page `[cursor, cursor + limit)` of the merged keys; `next_cursor` is "" on the last page. */
export function pageOf(keys: string[], cursor: number, limit: number): { keys: string[]; next_cursor: string } {
  const end = cursor + limit;
  return { keys: keys.slice(cursor, end), next_cursor: end < keys.length ? String(end) : '' };
}

/** Decimal digits only (§2.2 integer grammar); values beyond 2^53 still count as "very large". */
function integerParam(raw: unknown, fallback: number, message: string): number {
  const s = firstValue(raw);
  if (s === undefined || s === '') return fallback;
  if (!/^[0-9]+$/.test(s)) throw new CacheError('BAD_REQUEST', message);
  return Number(s);
}
