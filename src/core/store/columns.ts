/**
 * Growable per-slot columns stored in fixed-size chunks: growth never copies (no transient double
 * allocation, no allocator fragmentation from ever larger blocks) and the unused tail is at most one
 * chunk. Slots are small non-negative integers handed out by the store.
 */
export const CHUNK_BITS = 14;
export const CHUNK_SIZE = 1 << CHUNK_BITS;
const MASK = CHUNK_SIZE - 1;

type NumberChunk = Int32Array | Uint32Array | Float64Array;

/**
 * A number per slot in typed chunks; a slot never written reads 0. Writing 0 where no chunk exists
 * allocates nothing (it already reads 0), so a column that is mostly zero (no expiry, the first
 * origin) costs no memory until a non-zero value arrives in its chunk.
 */
class NumberColumn<C extends NumberChunk> {
  private chunks: (C | undefined)[] = [];

  constructor(private readonly make: (size: number) => C) {}

  get(slot: number): number {
    const c = this.chunks[slot >>> CHUNK_BITS];
    return c === undefined ? 0 : c[slot & MASK]!;
  }
  set(slot: number, v: number): void {
    const c = this.chunks[slot >>> CHUNK_BITS];
    if (c !== undefined) c[slot & MASK] = v;
    else if (v !== 0) this.grow(slot)[slot & MASK] = v;
  }
  /** Bytes of allocated chunks (for tests and diagnostics). */
  get allocatedBytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c !== undefined) n += c.byteLength;
    return n;
  }
  clear(): void {
    this.chunks = [];
  }
  private grow(slot: number): C {
    const i = slot >>> CHUNK_BITS;
    while (this.chunks.length <= i) this.chunks.push(undefined);
    return (this.chunks[i] = this.make(CHUNK_SIZE));
  }
}

/** Int32 per slot (indexes, links, counts). */
export class Int32Column extends NumberColumn<Int32Array> {
  constructor() {
    super((size) => new Int32Array(size));
  }
}

/** Uint32 per slot (slab handles). */
export class Uint32Column extends NumberColumn<Uint32Array> {
  constructor() {
    super((size) => new Uint32Array(size));
  }
}

/** Float64 per slot (epoch milliseconds, versions): 8 bytes, no boxed HeapNumber. */
export class Float64Column extends NumberColumn<Float64Array> {
  constructor() {
    super((size) => new Float64Array(size));
  }
}

/**
 * A JS reference per slot (8 bytes); a slot never written reads undefined. Writing undefined where
 * no chunk exists allocates nothing, so a column used by few slots (large values) stays small.
 */
export class RefColumn<T> {
  private chunks: ((T | undefined)[] | undefined)[] = [];

  get(slot: number): T | undefined {
    const c = this.chunks[slot >>> CHUNK_BITS];
    return c === undefined ? undefined : c[slot & MASK];
  }
  set(slot: number, v: T | undefined): void {
    const c = this.chunks[slot >>> CHUNK_BITS];
    if (c !== undefined) c[slot & MASK] = v;
    else if (v !== undefined) this.grow(slot)[slot & MASK] = v;
  }
  clear(): void {
    this.chunks = [];
  }
  private grow(slot: number): (T | undefined)[] {
    const i = slot >>> CHUNK_BITS;
    while (this.chunks.length <= i) this.chunks.push(undefined);
    return (this.chunks[i] = new Array<T | undefined>(CHUNK_SIZE).fill(undefined));
  }
}
