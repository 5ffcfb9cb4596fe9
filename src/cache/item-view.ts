import type { ItemEntry } from '../core/store/entry.js';
import { etagOf } from './conditional-headers.js';

/** The JSON envelope of GET with `Accept: application/json` (docs/api.md §1.5). */
export interface ItemEnvelope {
  key: string;
  value: string;
  value_encoding: 'base64';
  ttl_ms?: number;
  expires_at?: string;
  version: number;
  origin: string;
  last_updated: string;
  node: string;
  owners: string[];
}

/** Remaining lifetime of a visible item; ≥ 1 because visible means `now < expiresAt`. */
function remainingMs(item: ItemEntry, now: number): number {
  return Math.max(1, item.expiresAt - now);
}

/** Writes the ETag and metadata headers of GET, HEAD and 304 (docs/api.md §1.6); X-Cache-Node is set for every response. */
export function writeItemHeaders(reply: { header(name: string, value: string): unknown }, item: ItemEntry, owners: string[], now: number): void {
  reply.header('etag', etagOf(item.version));
  reply.header('x-cache-version', String(item.version));
  reply.header('x-cache-origin', item.origin);
  reply.header('x-cache-last-updated', new Date(item.updatedAt).toISOString());
  reply.header('x-cache-owners', owners.join(','));
  if (item.expiresAt !== 0) {
    reply.header('x-cache-ttl-ms', String(remainingMs(item, now)));
    reply.header('x-cache-expires-at', new Date(item.expiresAt).toISOString());
  }
}

/** The item fields shared by the GET envelope and a found batch-get result (after `key`). */
export function itemFields(item: ItemEntry, now: number): Omit<ItemEnvelope, 'key' | 'node' | 'owners'> {
  return {
    value: item.value.toString('base64'),
    value_encoding: 'base64',
    ...(item.expiresAt !== 0 && { ttl_ms: remainingMs(item, now), expires_at: new Date(item.expiresAt).toISOString() }),
    version: item.version,
    origin: item.origin,
    last_updated: new Date(item.updatedAt).toISOString(),
  };
}
