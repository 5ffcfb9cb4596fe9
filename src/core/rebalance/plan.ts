import type { MigrationKind } from '../metrics/core-counters.js';

/** What this node does with one local entry after a ring change (docs/cluster.md §8.4). */
export interface Move {
  kind: Exclude<MigrationKind, 'handoff'>;
  /** Where to send the entry; empty when another node sends it (a lost copy is still dropped later). */
  targets: string[];
}

/**
 * The one node that sends a key to its new owners after a ring change: the first member of
 * owners_old that is still on the new ring (the senior surviving old owner, whether or not it keeps
 * the key). Every node computes the same sender from the same two rings, so each (key, new owner)
 * is sent once across the cluster. Undefined when no old owner is left.
 */
export function senderOf(ownersOld: readonly string[], onRing: (id: string) => boolean): string | undefined {
  return ownersOld.find(onRing);
}

/**
 * The rebalance decision for one entry, pure. `targets` = owners_new \ owners_old.
 * - self ∈ owners_new and self is the sender → `new_owner` to the targets;
 * - self ∈ owners_old \ owners_new → `lost_ownership` (the copy is dropped after the grace), sent to
 *   the targets only when self is the sender;
 * - self owned the key on neither ring (a stray copy) → `lost_ownership` to every member of owners_new;
 * - otherwise (another node is the sender, or nothing is new) → undefined.
 */
export function plan(ownersOld: readonly string[], ownersNew: readonly string[], self: string, onRing: (id: string) => boolean): Move | undefined {
  const targets = ownersNew.filter((id) => !ownersOld.includes(id));
  const sends = senderOf(ownersOld, onRing) === self;
  if (!ownersNew.includes(self)) {
    if (ownersNew.length === 0) return undefined;
    if (!ownersOld.includes(self)) return { kind: 'lost_ownership', targets: [...ownersNew] };
    return { kind: 'lost_ownership', targets: sends ? targets : [] };
  }
  return sends && targets.length > 0 ? { kind: 'new_owner', targets } : undefined;
}

/**
 * Takeover after the sender of the previous ring change left the ring (dead or leaving) before it
 * could be known to have sent: the targets of that change (owners_mid \ owners_prev) that still own
 * the key now, when self is the next old owner still on the ring. Each node computes the same
 * substitute, so the takeover is sent once too.
 */
export function takeover(
  ownersPrev: readonly string[],
  ownersMid: readonly string[],
  ownersNew: readonly string[],
  self: string,
  wasOnMid: (id: string) => boolean,
  onRing: (id: string) => boolean,
): string[] {
  const gone = senderOf(ownersPrev, wasOnMid);
  if (gone === undefined || onRing(gone) || senderOf(ownersPrev, onRing) !== self) return [];
  return ownersMid.filter((id) => !ownersPrev.includes(id) && ownersNew.includes(id) && id !== self);
}

/** Leave handoff (docs/lifecycle.md §3 step 4): the owners that appear once self is off the ring. */
export function handoffTargets(ownersWithSelf: readonly string[], ownersWithoutSelf: readonly string[]): string[] {
  return ownersWithoutSelf.filter((id) => !ownersWithSelf.includes(id));
}
