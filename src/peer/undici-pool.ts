import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

/**
 * undici's `Pool` from its own module (`undici/lib/dispatcher/pool.js`, what the package index
 * re-exports): the index loads the whole package (fetch, WebSocket, the cache and mock layers:
 * ≈ 1.5 MiB of sources, several MiB of an idle node's RSS; bench/PROFILE.md "Issue 18: idle RSS,
 * second pass"), of which the peer client only uses the pool.
 */
export const Pool: typeof UndiciPool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js');
export type Pool = UndiciPool;
