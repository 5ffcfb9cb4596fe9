import type { Consistency } from '../../config/config.types.js';

/** Acks (writes) or owner responses (reads) a consistency level needs from n owners (CONTRACT §4.8). */
export function required(level: Consistency, n: number): number {
  if (n <= 0) return 1;
  if (level === 'one') return 1;
  if (level === 'all') return n;
  return Math.floor(n / 2) + 1;
}
