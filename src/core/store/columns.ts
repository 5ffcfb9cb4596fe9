/**
 * Growable per-slot columns stored in fixed-size chunks: growth never copies (no transient double
 * allocation, no allocator fragmentation from ever larger blocks) and the unused tail is at most one
 * chunk. Slots are small non-negative integers handed out by the store.
 */
export const CHUNK_BITS = 14;
export const CHUNK_SIZE = 1 << CHUNK_BITS;
const MASK = CHUNK_SIZE - 1;

/** Int32 per slot; a slot never written reads 0. */
export class Int32Column {
  private chunks: Int32Array[] = [];

  get(slot: number): number {
    const c = this.chunks[slot >>> CHUNK_BITS];
    return c === undefined ? 0 : c[slot & MASK]!;
  }
  set(slot: number, v: number): void {
    (this.chunks[slot >>> CHUNK_BITS] ?? this.grow(slot))[slot & MASK] = v;
  }
  clear(): void {
    this.chunks = [];
  }
  private grow(slot: number): Int32Array {
    while (this.chunks.length <= slot >>> CHUNK_BITS) this.chunks.push(new Int32Array(CHUNK_SIZE));
    return this.chunks[slot >>> CHUNK_BITS]!;
  }
}

/** Float64 per slot (epoch milliseconds, versions): 8 bytes, no boxed HeapNumber. A slot never written reads 0. */
export class Float64Column {
  private chunks: Float64Array[] = [];

  get(slot: number): number {
    const c = this.chunks[slot >>> CHUNK_BITS];
    return c === undefined ? 0 : c[slot & MASK]!;
  }
  set(slot: number, v: number): void {
    (this.chunks[slot >>> CHUNK_BITS] ?? this.grow(slot))[slot & MASK] = v;
  }
  clear(): void {
    this.chunks = [];
  }
  private grow(slot: number): Float64Array {
    while (this.chunks.length <= slot >>> CHUNK_BITS) this.chunks.push(new Float64Array(CHUNK_SIZE));
    return this.chunks[slot >>> CHUNK_BITS]!;
  }
}

/** A JS reference per slot (8 bytes); a slot never written reads undefined. */
export class RefColumn<T> {
  private chunks: (T | undefined)[][] = [];

  get(slot: number): T | undefined {
    const c = this.chunks[slot >>> CHUNK_BITS];
    return c === undefined ? undefined : c[slot & MASK];
  }
  set(slot: number, v: T | undefined): void {
    (this.chunks[slot >>> CHUNK_BITS] ?? this.grow(slot))[slot & MASK] = v;
  }
  clear(): void {
    this.chunks = [];
  }
  private grow(slot: number): (T | undefined)[] {
    while (this.chunks.length <= slot >>> CHUNK_BITS) this.chunks.push(new Array<T | undefined>(CHUNK_SIZE).fill(undefined));
    return this.chunks[slot >>> CHUNK_BITS]!;
  }
}
