/**
 * The store's record arena, off the V8 heap: each stored key gets one record in 256 KiB pages of
 * `Buffer.allocUnsafeSlow` memory (not in the JS heap, not in the 8 KiB pool), addressed by a
 * 32-bit handle, so a million keys cost no JS object, string or Map entry each.
 *
 * Record (8-byte aligned): slot u32 | value length u32 | key length u16 | key encoding u8 | kind u8 |
 * key bytes | value bytes (kind `inline` only). The key is kept as its UTF-16 code units, one byte
 * each when they all are below 256 (`ascii`, `latin1`), else two (`utf16`): exact for every JS
 * string, and compared with a lookup key unit by unit without decoding.
 *
 * Allocation bumps through the current page; a record that does not fit starts a new page (the
 * tail left, below one record, is waste). A freed record is dead space until its page is
 * evacuated: when a page other than the current one holds less than half live bytes, its live
 * records are copied to the current page and the owner is told each record's new handle
 * (`relocate`), then the page is dropped. So the arena never holds more than twice its live bytes
 * plus two pages (the current one and one kept empty for reuse): the fragmentation bound that
 * `test/core/store/slab.spec.ts` checks.
 */
export const PAGE_BITS = 18;
export const PAGE_BYTES = 1 << PAGE_BITS;
const UNIT_BITS = 3;
const OFFSET_BITS = PAGE_BITS - UNIT_BITS;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
/** Page ids 1 … MAX_PAGES - 1 (0 is no page, so handle 0 means "no record"): 32 GiB of pages. */
const MAX_PAGES = 2 ** (32 - OFFSET_BITS);
export const RECORD_HEADER_BYTES = 12;
const DEAD = 0xffffffff;

/** What a record holds: an item with its value bytes inline, an item whose value lives elsewhere, a tombstone. */
export const RecordKind = { Inline: 0, External: 1, Tombstone: 2 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

const ASCII = 0;
const LATIN1 = 1;
const UTF16 = 2;

/** Bytes a record for `key` and `inlineBytes` value bytes takes (header + key + value, 8-aligned). */
export function recordBytes(key: string, inlineBytes: number): number {
  return align(RECORD_HEADER_BYTES + key.length * (maxCodeUnit(key) < 256 ? 1 : 2) + inlineBytes);
}

export class Slab {
  /** Index 0 unused. A dedicated page (one large record) may be longer than PAGE_BYTES. */
  private pages: (Buffer | undefined)[] = [undefined];
  /** Live record bytes per page. */
  private live: number[] = [0];
  /** Bytes written per page (the end of the last record): where a walk over the page stops. */
  private used: number[] = [0];
  private readonly freeIds: number[] = [];
  private current = 0;
  private top = PAGE_BYTES;
  private spare: Buffer | undefined;
  private liveTotal = 0;
  private pageTotal = 0;

  /** `relocate(slot, handle)`: the record of `slot` moved to `handle` (during `free` or `alloc`). */
  constructor(private readonly relocate: (slot: number, handle: number) => void) {}

  /** Bytes of live records (headers and alignment included). */
  get liveBytes(): number {
    return this.liveTotal;
  }
  /** Bytes of pages held (the current one and the spare included). */
  get allocatedBytes(): number {
    return this.pageTotal + (this.spare?.length ?? 0);
  }
  get pageCount(): number {
    return this.pages.length - 1 - this.freeIds.length;
  }

  /**
   * Writes a record and returns its handle (never 0). `value` (exactly `valueLength` bytes) is copied in when kind is Inline;
   * `valueLength` is recorded for every kind.
   */
  put(slot: number, key: string, kind: RecordKind, valueLength: number, value?: Uint8Array): number {
    const max = maxCodeUnit(key);
    const enc = max < 128 ? ASCII : max < 256 ? LATIN1 : UTF16;
    const keyBytes = enc === UTF16 ? key.length * 2 : key.length;
    const size = align(RECORD_HEADER_BYTES + keyBytes + (kind === RecordKind.Inline ? valueLength : 0));
    const h = this.alloc(size);
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    p.writeUInt32LE(slot, o);
    p.writeUInt32LE(valueLength, o + 4);
    p.writeUInt16LE(keyBytes, o + 8);
    p[o + 10] = enc;
    p[o + 11] = kind;
    const k = o + RECORD_HEADER_BYTES;
    if (enc === UTF16) p.write(key, k, keyBytes, 'utf16le');
    else for (let i = 0; i < keyBytes; i++) p[k + i] = key.charCodeAt(i);
    if (kind === RecordKind.Inline && valueLength > 0) p.set(value!, k + keyBytes);
    return h;
  }

  /**
   * Rewrites a record in place for the same key with a new kind and value when the record keeps its
   * size (an External or Tombstone record always does; an Inline one when the value's length rounds
   * to the same 8 bytes); returns false (nothing written) otherwise.
   */
  rewrite(h: number, kind: RecordKind, valueLength: number, value?: Uint8Array): boolean {
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const keyBytes = p.readUInt16LE(o + 8);
    if (align(RECORD_HEADER_BYTES + keyBytes + (kind === RecordKind.Inline ? valueLength : 0)) !== sizeAt(p, o)) return false;
    p.writeUInt32LE(valueLength, o + 4);
    p[o + 11] = kind;
    if (kind === RecordKind.Inline && valueLength > 0) p.set(value!, o + RECORD_HEADER_BYTES + keyBytes);
    return true;
  }

  /** Frees a record; may evacuate its page (calling `relocate` for the records moved). */
  free(h: number): void {
    const id = h >>> OFFSET_BITS;
    const p = this.pages[id]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const size = sizeAt(p, o);
    p.writeUInt32LE(DEAD, o);
    this.live[id]! -= size;
    this.liveTotal -= size;
    if (id !== this.current) this.settle(id);
  }

  kind(h: number): RecordKind {
    const p = this.pages[h >>> OFFSET_BITS]!;
    return p[((h & OFFSET_MASK) << UNIT_BITS) + 11] as RecordKind;
  }
  valueLength(h: number): number {
    return this.pages[h >>> OFFSET_BITS]!.readUInt32LE(((h & OFFSET_MASK) << UNIT_BITS) + 4);
  }

  /** A new Buffer with a copy of an Inline record's value. */
  value(h: number): Buffer {
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const start = o + RECORD_HEADER_BYTES + p.readUInt16LE(o + 8);
    const out = Buffer.allocUnsafe(p.readUInt32LE(o + 4));
    p.copy(out, 0, start, start + out.length);
    return out;
  }

  key(h: number): string {
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const k = o + RECORD_HEADER_BYTES;
    return p.toString(p[o + 10] === UTF16 ? 'utf16le' : 'latin1', k, k + p.readUInt16LE(o + 8));
  }

  /** Whether the record's key is `key`, compared unit by unit (no string is built). */
  keyEquals(h: number, key: string): boolean {
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const keyBytes = p[o + 8]! | (p[o + 9]! << 8);
    const k = o + RECORD_HEADER_BYTES;
    if (p[o + 10] !== UTF16) {
      if (keyBytes !== key.length) return false;
      for (let i = 0; i < keyBytes; i++) if (p[k + i] !== key.charCodeAt(i)) return false;
      return true;
    }
    if (keyBytes !== key.length * 2) return false;
    for (let i = 0; i < key.length; i++) if ((p[k + 2 * i]! | (p[k + 2 * i + 1]! << 8)) !== key.charCodeAt(i)) return false;
    return true;
  }

  /** UTF-8 byte length of the record's key (Buffer.byteLength of it). */
  keyUtf8Bytes(h: number): number {
    const p = this.pages[h >>> OFFSET_BITS]!;
    const o = (h & OFFSET_MASK) << UNIT_BITS;
    const keyBytes = p.readUInt16LE(o + 8);
    const enc = p[o + 10];
    if (enc === ASCII) return keyBytes;
    if (enc === UTF16) return Buffer.byteLength(this.key(h), 'utf8');
    let n = keyBytes;
    for (let i = o + RECORD_HEADER_BYTES, end = i + keyBytes; i < end; i++) if (p[i]! >= 0x80) n++;
    return n;
  }

  /** Drops every record and page. */
  clear(): void {
    this.pages = [undefined];
    this.live = [0];
    this.used = [0];
    this.freeIds.length = 0;
    this.current = 0;
    this.top = PAGE_BYTES;
    this.spare = undefined;
    this.liveTotal = 0;
    this.pageTotal = 0;
  }

  private alloc(size: number): number {
    if (size > PAGE_BYTES / 4) {
      // A record this large (not produced by the store's own limits) gets a page of its own.
      const id = this.newPage(Buffer.allocUnsafeSlow(size));
      this.used[id] = size;
      this.account(id, size);
      return id * (OFFSET_MASK + 1);
    }
    if (this.top + size > PAGE_BYTES) this.startPage();
    const o = this.top;
    this.top += size;
    this.used[this.current] = this.top;
    this.account(this.current, size);
    return this.current * (OFFSET_MASK + 1) + (o >>> UNIT_BITS);
  }

  private account(id: number, size: number): void {
    this.live[id]! += size;
    this.liveTotal += size;
  }

  private startPage(): void {
    const retired = this.current;
    const page = this.spare ?? Buffer.allocUnsafeSlow(PAGE_BYTES);
    this.spare = undefined;
    this.current = this.newPage(page);
    this.top = 0;
    if (retired !== 0) this.settle(retired);
  }

  private newPage(page: Buffer): number {
    const id = this.freeIds.pop() ?? this.pages.length;
    if (id >= MAX_PAGES) throw new Error('slab: out of page ids');
    this.pages[id] = page;
    this.live[id] = 0;
    this.used[id] = 0;
    this.pageTotal += page.length;
    return id;
  }

  /** A page other than the current one: drop it when empty, evacuate it when less than half live. */
  private settle(id: number): void {
    const page = this.pages[id]!;
    if (this.live[id] === 0) this.dropPage(id);
    else if (this.live[id]! * 2 < page.length) this.evacuate(id);
  }

  private evacuate(id: number): void {
    const p = this.pages[id]!;
    const end = this.used[id]!;
    // `id` is not the current page, so the allocations below never land in it.
    for (let o = 0; o < end; ) {
      const size = sizeAt(p, o);
      const slot = p.readUInt32LE(o);
      if (slot !== DEAD) {
        const h = this.alloc(size);
        const q = this.pages[h >>> OFFSET_BITS]!;
        p.copy(q, (h & OFFSET_MASK) << UNIT_BITS, o, o + size);
        this.live[id]! -= size;
        this.liveTotal -= size;
        this.relocate(slot, h);
      }
      o += size;
    }
    this.dropPage(id);
  }

  private dropPage(id: number): void {
    const page = this.pages[id]!;
    this.pageTotal -= page.length;
    if (page.length === PAGE_BYTES && this.spare === undefined) this.spare = page;
    this.pages[id] = undefined;
    this.live[id] = 0;
    this.used[id] = 0;
    this.freeIds.push(id);
  }
}

function sizeAt(p: Buffer, o: number): number {
  return align(RECORD_HEADER_BYTES + p.readUInt16LE(o + 8) + (p[o + 11] === RecordKind.Inline ? p.readUInt32LE(o + 4) : 0));
}

function align(n: number): number {
  return (n + 7) & ~7;
}

function maxCodeUnit(key: string): number {
  let max = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > max) max = c;
  }
  return max;
}
