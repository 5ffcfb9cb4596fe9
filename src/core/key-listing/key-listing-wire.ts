import { WireError, parseKey } from '../replication/wire.js';
import { compileKeyPattern } from '../keys/glob.js';
import type { MemberListing } from './key-listing.js';

/** Largest `max` a peer accepts (the key browser clamps to 50 000, docs/api.md §1.12). */
export const LIST_KEYS_MAX = 50_000;
const PATTERN_MAX_BYTES = 1024;

export interface ListKeysRequest {
  pattern: string;
  max: number;
}

/** `{pattern, max}`: a valid key-browser pattern of ≤ 1024 bytes and 1 ≤ max ≤ 50 000. */
export function parseListKeysRequest(doc: unknown): ListKeysRequest & { match: (key: string) => boolean } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new WireError('message: expected an object');
  const { pattern, max } = doc as Record<string, unknown>;
  if (typeof pattern !== 'string' || Buffer.byteLength(pattern, 'utf8') > PATTERN_MAX_BYTES) throw new WireError('pattern: invalid');
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIST_KEYS_MAX) throw new WireError('max: invalid');
  let match: (key: string) => boolean;
  try {
    match = compileKeyPattern(pattern);
  } catch (err) {
    throw new WireError(`pattern: ${(err as Error).message}`);
  }
  return { pattern, max, match };
}

/** `{keys, more}`: at most `max` valid keys. */
export function parseListKeysReply(doc: unknown, max: number): MemberListing {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new WireError('reply: expected an object');
  const { keys, more } = doc as Record<string, unknown>;
  if (!Array.isArray(keys) || keys.length > max) throw new WireError('keys: invalid');
  if (typeof more !== 'boolean') throw new WireError('more: expected a boolean');
  return { keys: keys.map((k, i) => parseKey(k, `keys[${i}]`)), more };
}
