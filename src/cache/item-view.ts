import type { ItemEntry } from '../core/store/entry.js';
import { remainingMs } from './item-headers.js';

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
