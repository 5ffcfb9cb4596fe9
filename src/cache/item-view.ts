import type { ItemEntry } from '../core/store/entry.js';
import { etagOf } from './conditional-headers.js';

/** The JSON envelope of GET with `Accept: application/json` (CONTRACT §4.4). */
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

/** ETag and metadata headers of GET, HEAD and 304 (CONTRACT §4.5); X-Cache-Node is set for every response. */
export function itemHeaders(item: ItemEntry, owners: string[], now: number): Record<string, string> {
  const headers: Record<string, string> = {
    etag: etagOf(item.version),
    'x-cache-version': String(item.version),
    'x-cache-origin': item.origin,
    'x-cache-last-updated': new Date(item.updatedAt).toISOString(),
    'x-cache-owners': owners.join(','),
  };
  if (item.expiresAt !== 0) {
    headers['x-cache-ttl-ms'] = String(remainingMs(item, now));
    headers['x-cache-expires-at'] = new Date(item.expiresAt).toISOString();
  }
  return headers;
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
