import type { MemberRecord, MemberState } from './messages.js';

/**
 * Record precedence and incarnation rules of docs/cluster.md §2 as plain functions: the state machine
 * only calls these, and their specs enumerate every case.
 */
export const RANK: Readonly<Record<MemberState, number>> = { alive: 0, suspect: 1, dead: 2, leaving: 3 };

type Claim = Pick<MemberRecord, 'State' | 'Incarnation'>;

/** Ring members: `alive` or `suspect` (docs/cluster.md §1). */
export function isLive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect';
}

/** Orders records by `(incarnation, rank(state))`, incarnation first. */
export function comparePrecedence(a: Claim, b: Claim): number {
  if (a.Incarnation !== b.Incarnation) return a.Incarnation < b.Incarnation ? -1 : 1;
  return Math.sign(RANK[a.State] - RANK[b.State]);
}

export type MergeDecision = 'add' | 'replace' | 'ignore';

/** What a received record does to the local one: unknown IDs only enter `alive`/`suspect`; known ones are replaced iff strictly outranked. */
export function mergeDecision(local: Claim | undefined, incoming: Claim): MergeDecision {
  if (local === undefined) return isLive(incoming.State) ? 'add' : 'ignore';
  return comparePrecedence(incoming, local) > 0 ? 'replace' : 'ignore';
}

/** The incarnation a join receiver assigns: `max(claimed, known + 1)` when it had a record, else `claimed`. */
export function joinIncarnation(claimed: number, known: number | undefined): number {
  return known === undefined ? claimed : Math.max(claimed, known + 1);
}

export type SelfClaimOutcome =
  | { action: 'ignore' }
  /** A peer holds self `alive` at a higher incarnation (assigned at join, or from before a restart): take it. */
  | { action: 'adopt'; incarnation: number }
  /** A `suspect`/`dead`/`leaving` claim at ≥ own incarnation: outbid it and stay `alive`. */
  | { action: 'refute'; incarnation: number };

/**
 * How a node answers a record about itself. Only the member raises its own incarnation; a draining
 * node never refutes (its `leaving` record already outranks `alive` at the same incarnation).
 */
export function selfClaimOutcome(own: Claim, claim: Claim, draining: boolean): SelfClaimOutcome {
  if (claim.State === 'alive') {
    return claim.Incarnation > own.Incarnation ? { action: 'adopt', incarnation: claim.Incarnation } : { action: 'ignore' };
  }
  if (draining || claim.Incarnation < own.Incarnation) return { action: 'ignore' };
  return { action: 'refute', incarnation: claim.Incarnation + 1 };
}
