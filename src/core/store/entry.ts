/** Replicated entries (docs/cluster.md §6.1). All times are absolute epoch milliseconds. */
export interface ItemEntry {
  kind: 'item';
  key: string;
  value: Buffer;
  version: number;
  origin: string;
  updatedAt: number;
  /** 0 = never expires. */
  expiresAt: number;
}

export interface TombstoneEntry {
  kind: 'tombstone';
  key: string;
  version: number;
  origin: string;
  deletedAt: number;
}

export type Entry = ItemEntry | TombstoneEntry;

export function isVisible(item: ItemEntry, now: number): boolean {
  return item.expiresAt === 0 || now < item.expiresAt;
}

/** Bytes an entry counts toward MAX_MEMORY and hint caps: key bytes + value bytes. */
export function entryBytes(e: Entry): number {
  return Buffer.byteLength(e.key) + (e.kind === 'item' ? e.value.length : 0);
}
