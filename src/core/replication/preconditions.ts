import type { Preconditions } from '../node.types.js';
import { type Entry, type ItemEntry, isVisible } from '../store/entry.js';

/**
 * Evaluates If-Match / If-None-Match against the coordinator's local entry (docs/api.md §1.9).
 * Returns undefined when satisfied, else the failure with the current version when the key exists.
 */
export function failedPrecondition(
  current: Entry | undefined,
  pre: Preconditions | undefined,
  now: number,
): { version?: number } | undefined {
  if (!pre) return undefined;
  const live: ItemEntry | undefined = current?.kind === 'item' && isVisible(current, now) ? current : undefined;
  const failure = () => (live ? { version: live.version } : {});
  if (pre.ifMatch !== undefined) {
    if (!live) return failure();
    if (pre.ifMatch !== '*' && !pre.ifMatch.includes(live.version)) return failure();
  }
  if (pre.ifNoneMatchAny && live) return failure();
  return undefined;
}
