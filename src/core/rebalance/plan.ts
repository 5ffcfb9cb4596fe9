import type { MigrationKind } from '../metrics/core-counters.js';

/** What this node does with one local entry after a ring change (CONTRACT §6.10). */
export interface Move {
  kind: Exclude<MigrationKind, 'handoff'>;
  targets: string[];
}

/**
 * The rebalance decision for one entry, pure:
 * - self ∈ owners_new and self is the senior surviving owner (the first member of owners_new that
 *   is also in owners_old) → `new_owner` to every member of owners_new \ owners_old;
 * - self ∉ owners_new → `lost_ownership` to every member of owners_new;
 * - otherwise (another owner is senior, or nothing is new) → undefined.
 */
export function plan(ownersOld: readonly string[], ownersNew: readonly string[], self: string): Move | undefined {
  if (!ownersNew.includes(self)) {
    return ownersNew.length > 0 ? { kind: 'lost_ownership', targets: [...ownersNew] } : undefined;
  }
  const senior = ownersNew.find((id) => ownersOld.includes(id));
  if (senior !== self) return undefined;
  const targets = ownersNew.filter((id) => !ownersOld.includes(id));
  return targets.length > 0 ? { kind: 'new_owner', targets } : undefined;
}

/** Leave handoff (§1.4 step 4): the owners that appear once self is off the ring. */
export function handoffTargets(ownersWithSelf: readonly string[], ownersWithoutSelf: readonly string[]): string[] {
  return ownersWithoutSelf.filter((id) => !ownersWithSelf.includes(id));
}
