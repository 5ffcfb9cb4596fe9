import { Errors } from '../core/errors.js';
import { decodeKeySegment } from '../core/keys/key-codec.js';

/**
 * The first `key` parameter of a raw URL, held to the key rules of docs/api.md §1.2 (Fastify's query
 * parser would let a bad escape or invalid UTF-8 through). `+` is a space, as in any form-encoded query.
 */
export function keyFromQuery(url: string): string {
  const start = url.indexOf('?');
  if (start >= 0) {
    for (const part of url.slice(start + 1).split('&')) {
      const eq = part.indexOf('=');
      if ((eq < 0 ? part : part.slice(0, eq)) !== 'key') continue;
      const key = decodeKeySegment(eq < 0 ? '' : part.slice(eq + 1).replace(/\+/g, '%20'));
      if (key === undefined) throw Errors.invalidKey();
      return key;
    }
  }
  throw Errors.badRequest("missing 'key' query parameter");
}
