import type { ItemEntry } from '../core/store/entry.js';
import { etagOf } from './conditional-headers.js';

/** The header values of one stored version that do not depend on the time of the request. */
interface VersionHeaders {
  version: number;
  origin: string;
  updatedAt: number;
  expiresAt: number;
  etag: string;
  versionText: string;
  lastUpdated: string;
  /** Undefined for an item that never expires. */
  expiresAtText: string | undefined;
  /** ETag, X-Cache-Version, X-Cache-Origin and X-Cache-Last-Updated as a `[name, value, ...]` list. */
  fixed: readonly string[];
}

/** Where the headers go: a Fastify reply, or a sink that takes a pre-built list at once (common/raw-reply.ts). */
export interface HeaderSink {
  header(name: string, value: string): unknown;
  headerList?(pairs: readonly string[]): unknown;
}

/** How many keys' headers are kept; the oldest insertion goes first beyond it. */
export const ITEM_HEADER_CACHE_KEYS = 4096;

/**
 * Writes the ETag and metadata headers of GET, HEAD and 304 (docs/api.md §1.6). The values fixed
 * by a stored version (ETag, X-Cache-Version, X-Cache-Origin, X-Cache-Last-Updated,
 * X-Cache-Expires-At) are formatted once per version and kept per key in a small bounded map; a
 * new version of the key replaces them. X-Cache-Ttl-Ms (time left) and X-Cache-Owners (the ring
 * of the moment) are written per request.
 */
export class ItemHeaders {
  private readonly byKey = new Map<string, VersionHeaders>();

  constructor(private readonly capacity = ITEM_HEADER_CACHE_KEYS) {}

  write(reply: HeaderSink, item: ItemEntry, owners: string[], now: number): void {
    const h = this.of(item);
    if (reply.headerList !== undefined) {
      reply.headerList(h.fixed);
    } else {
      for (let i = 0; i < h.fixed.length; i += 2) reply.header(h.fixed[i]!, h.fixed[i + 1]!);
    }
    reply.header('x-cache-owners', owners.length === 1 ? owners[0]! : owners.join(','));
    if (h.expiresAtText !== undefined) {
      reply.header('x-cache-ttl-ms', String(remainingMs(item, now)));
      reply.header('x-cache-expires-at', h.expiresAtText);
    }
  }

  /** Number of keys whose headers are kept (for tests). */
  get size(): number {
    return this.byKey.size;
  }

  private of(item: ItemEntry): VersionHeaders {
    const kept = this.byKey.get(item.key);
    if (
      kept !== undefined &&
      kept.version === item.version &&
      kept.origin === item.origin &&
      kept.updatedAt === item.updatedAt &&
      kept.expiresAt === item.expiresAt
    ) {
      return kept;
    }
    const etag = etagOf(item.version);
    const versionText = String(item.version);
    const lastUpdated = new Date(item.updatedAt).toISOString();
    const made: VersionHeaders = {
      version: item.version,
      origin: item.origin,
      updatedAt: item.updatedAt,
      expiresAt: item.expiresAt,
      etag,
      versionText,
      lastUpdated,
      expiresAtText: item.expiresAt !== 0 ? new Date(item.expiresAt).toISOString() : undefined,
      fixed: ['etag', etag, 'x-cache-version', versionText, 'x-cache-origin', item.origin, 'x-cache-last-updated', lastUpdated],
    };
    if (kept === undefined && this.byKey.size >= this.capacity) {
      const oldest = this.byKey.keys().next();
      if (!oldest.done) this.byKey.delete(oldest.value);
    }
    this.byKey.set(item.key, made);
    return made;
  }
}

/** Remaining lifetime of a visible item; ≥ 1 because visible means `now < expiresAt`. */
export function remainingMs(item: ItemEntry, now: number): number {
  return Math.max(1, item.expiresAt - now);
}
