import { IsOptional, Matches, ValidateBy } from '../config/class-validator.js';
import { FirstValue } from './key-param.js';
import { CacheError } from '../core/errors.js';
import { compileKeyPattern, type KeyMatcher } from '../core/keys/glob.js';

/** Defaults and clamps of the key browser (docs/api.md §1.12, docs/configuration.md §6). */
const LIMIT_DEFAULT = 100;
const LIMIT_CAP = 500;
const MAX_DEFAULT = 10_000;
const MAX_CAP = 50_000;
const PATTERN_MAX_BYTES = 1024;
/** Decimal digits only (docs/configuration.md §2 integer grammar); empty = absent. */
const DIGITS = /^[0-9]*$/;
const LIMIT_INVALID = 'invalid limit: must be a positive integer';
const MAX_INVALID = 'invalid max: must be a positive integer';

/** The query string of `GET /v1/cache/keys` (docs/api.md, key browser); an empty value counts as absent. */
export class BrowseQueryDto {
  @FirstValue()
  @IsOptional()
  @ValidateBy(
    { name: 'maxBytes', validator: { validate: (v: unknown) => typeof v === 'string' && Buffer.byteLength(v, 'utf8') <= PATTERN_MAX_BYTES } },
    { message: `invalid q: must be at most ${PATTERN_MAX_BYTES} bytes` },
  )
  q?: string;

  @FirstValue()
  @IsOptional()
  @Matches(DIGITS, { message: 'invalid cursor: must be a non-negative integer' })
  cursor?: string;

  @FirstValue()
  @IsOptional()
  @Matches(DIGITS, { message: LIMIT_INVALID })
  limit?: string;

  @FirstValue()
  @IsOptional()
  @Matches(DIGITS, { message: MAX_INVALID })
  max?: string;
}

export interface BrowseQuery {
  pattern: string;
  match: KeyMatcher;
  cursor: number;
  limit: number;
  max: number;
}

/**
 * Defaults, ranges and clamps on a query whose syntax the DTO checked, and the compiled glob (its
 * errors are 400s too). Every syntax error is reported before a zero `limit`/`max`, then the glob.
 */
export function parseBrowseQuery(query: BrowseQueryDto): BrowseQuery {
  const q = query.q ?? '';
  const limit = integerOr(query.limit, LIMIT_DEFAULT);
  const max = integerOr(query.max, MAX_DEFAULT);
  if (limit < 1) throw new CacheError('BAD_REQUEST', LIMIT_INVALID);
  if (max < 1) throw new CacheError('BAD_REQUEST', MAX_INVALID);
  return { pattern: q, match: compileKeyPattern(q), cursor: integerOr(query.cursor, 0), limit: Math.min(limit, LIMIT_CAP), max: Math.min(max, MAX_CAP) };
}

/** One page `[cursor, cursor + limit)` of the merged keys; `next_cursor` is "" on the last page. */
export function pageOf(keys: string[], cursor: number, limit: number): { keys: string[]; next_cursor: string } {
  const end = cursor + limit;
  return { keys: keys.slice(cursor, end), next_cursor: end < keys.length ? String(end) : '' };
}

/** Values beyond 2^53 still count as "very large" (clamped). */
function integerOr(raw: string | undefined, fallback: number): number {
  return raw === undefined || raw === '' ? fallback : Number(raw);
}
