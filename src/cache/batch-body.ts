import { CacheError } from '../core/errors.js';

/** At most this many elements per batch request (CONTRACT §4.9). */
export const MAX_BATCH_ITEMS = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The element list of a batch body: JSON whatever the Content-Type, an object whose `field` is an
 * array, `null` or absent (both count as empty). Details never quote the body, which may hold values.
 */
export function parseBatchBody(body: Buffer, field: 'keys' | 'items'): unknown[] {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidJson('not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    throw invalidJson(at ? `syntax error at position ${at[1]}` : 'syntax error');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidJson('top level must be an object');
  const list = (doc as Record<string, unknown>)[field];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalidJson(`"${field}" must be an array`);
  if (list.length > MAX_BATCH_ITEMS) throw new CacheError('BAD_REQUEST', `batch exceeds ${MAX_BATCH_ITEMS} items`);
  return list;
}

function invalidJson(detail: string): CacheError {
  return new CacheError('BAD_REQUEST', `invalid JSON body: ${detail}`);
}
