import type { ClusterNode } from './cluster.js';

/** The fields of a node's JSON log line that fault tests read. */
export interface LogLine {
  msg: string;
  peer_id?: string;
  to?: string;
  claimed_state?: string;
}

/** The JSON log lines `n` wrote from stdout offset `from` on. */
export function logSince(n: ClusterNode, from: number): LogLine[] {
  return n.stdout().slice(from).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** Peers that `n` logged as turning `dead` since `from` (its own declarations and those it learnt). */
export const declaredDead = (n: ClusterNode, from: number): string[] =>
  logSince(n, from).filter((l) => l.msg === 'member state changed' && l.to === 'dead').map((l) => l.peer_id!);
