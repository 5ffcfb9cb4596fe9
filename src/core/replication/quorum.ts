import type { Consistency } from '../../config/config.types.js';

/** Acks (writes) or owner responses (reads) a consistency level needs from n owners (docs/cluster.md §3). */
export function required(level: Consistency, n: number): number {
  if (n <= 0) return 1;
  if (level === 'one') return 1;
  if (level === 'all') return n;
  return Math.floor(n / 2) + 1;
}

/**
 * The n a quorum is counted over (docs/cluster.md §3.1): the owners on this node's ring, but never
 * fewer than min(RF, members this node knows), every retained record counted (`alive`, `suspect`,
 * `dead`, `leaving`). A node whose view collapsed (peers just declared dead, still retained) therefore
 * cannot acknowledge a QUORUM operation that only it holds.
 */
export function flooredN(owners: number, replication: number, knownMembers: number): number {
  return Math.max(owners, Math.min(replication, knownMembers));
}
