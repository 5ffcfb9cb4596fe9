import type { Consistency } from '../config/config.types.js';
import { CacheError } from '../core/errors.js';

/** `X-Consistency` (docs/api.md §1.2): one|quorum|all, case-insensitive; absent → the configured default. */
export function parseConsistency(header: string | undefined, fallback: Consistency): Consistency {
  if (header === undefined) return fallback;
  const level = header.trim().toLowerCase();
  if (level === 'one' || level === 'quorum' || level === 'all') return level;
  throw new CacheError('BAD_REQUEST', 'invalid X-Consistency: expected one, quorum or all');
}
