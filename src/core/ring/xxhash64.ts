import xxhash from 'xxhash-wasm';
import type { Hash64 } from './hash-ring.js';

/** xxHash64 with seed 0 (docs/cluster.md §1). The wasm module loads once, asynchronously, at boot. */
export async function loadXxHash64(): Promise<Hash64> {
  const { h64Raw } = await xxhash();
  return (bytes) => h64Raw(bytes, 0n);
}
