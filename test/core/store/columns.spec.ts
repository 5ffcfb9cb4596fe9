import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, Float64Column, Int32Column } from '../../../src/core/store/columns.js';

describe('number columns (store/columns.ts)', () => {
  it('a slot never written reads 0, and writing 0 where no chunk exists allocates nothing', () => {
    const col = new Float64Column();
    expect(col.get(5)).toBe(0);
    for (let slot = 0; slot < 3 * CHUNK_SIZE; slot++) col.set(slot, 0);
    expect(col.allocatedBytes).toBe(0);
    expect(col.get(2 * CHUNK_SIZE + 7)).toBe(0);
  });

  it('a non-zero value allocates only its own chunk, and zeros written into that chunk are kept', () => {
    const col = new Int32Column();
    col.set(CHUNK_SIZE + 3, 42);
    expect(col.allocatedBytes).toBe(CHUNK_SIZE * 4);
    expect(col.get(CHUNK_SIZE + 3)).toBe(42);
    expect(col.get(3)).toBe(0);
    col.set(CHUNK_SIZE + 3, 0); // overwriting with 0 must really clear the value
    expect(col.get(CHUNK_SIZE + 3)).toBe(0);
    col.set(CHUNK_SIZE + 4, -1);
    expect(col.get(CHUNK_SIZE + 4)).toBe(-1);
    expect(col.allocatedBytes).toBe(CHUNK_SIZE * 4);
  });

  it('float64 keeps epoch milliseconds and versions beyond 2^31 exactly', () => {
    const col = new Float64Column();
    const v = 2 ** 53 - 1;
    col.set(9, v);
    col.set(10, 1_764_041_234_567);
    expect(col.get(9)).toBe(v);
    expect(col.get(10)).toBe(1_764_041_234_567);
  });
});
