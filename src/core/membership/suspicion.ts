import type { MemberState } from './messages.js';

/** Failure-detection arithmetic of docs/cluster.md §2, docs/configuration.md §6, as plain functions of elapsed time. */
export const SUSPECT_AFTER_HEARTBEATS = 3;
export const DEAD_AFTER_HEARTBEATS = 6;
/** Local health: `dead` needs a suspicion held this many heartbeats of this node's running time. */
export const DEAD_AFTER_SUSPICION_HEARTBEATS = 3;
/** Dead and leaving records are kept this long from the local transition, then forgotten. */
export const RETENTION_MS = 60_000;

export type Verdict = 'ok' | 'suspect' | 'dead';

/** "No contact for more than 3 × HEARTBEAT" → suspect; "more than 6 ×" → dead. */
export function verdict(sinceContactMs: number, heartbeatMs: number): Verdict {
  if (sinceContactMs > DEAD_AFTER_HEARTBEATS * heartbeatMs) return 'dead';
  if (sinceContactMs > SUSPECT_AFTER_HEARTBEATS * heartbeatMs) return 'suspect';
  return 'ok';
}

/** This node's own suspicion of a member: how long it has held it (running time) and the probes that failed meanwhile. */
export interface HeldSuspicion {
  heldMs: number;
  failedProbes: number;
}

/**
 * The state the failure detector moves a member to, or undefined for no change. It only ever
 * worsens a state, one step at a time: `alive` → `suspect` on a suspect or dead verdict; `suspect` →
 * `dead` on a dead verdict, and only once this node has held the suspicion for
 * 3 × HEARTBEAT with at least one failed probe in that time (local health). `suspect` → `alive`
 * needs a higher incarnation, and `dead`/`leaving` are not probed.
 */
export function detectorTransition(state: MemberState, v: Verdict, suspicion: HeldSuspicion | undefined, heartbeatMs: number): MemberState | undefined {
  if (state === 'alive') return v === 'ok' ? undefined : 'suspect';
  if (state !== 'suspect' || v !== 'dead' || !suspicion) return undefined;
  const held = suspicion.heldMs >= DEAD_AFTER_SUSPICION_HEARTBEATS * heartbeatMs;
  return held && suspicion.failedProbes > 0 ? 'dead' : undefined;
}

/**
 * Local health: a heartbeat tick that fires more than HEARTBEAT late (more than 2 × HEARTBEAT after
 * the previous one) means this node's timers or event loop were stalled for the difference.
 */
export function stallOf(sinceLastTickMs: number, heartbeatMs: number): number | undefined {
  return sinceLastTickMs > 2 * heartbeatMs ? sinceLastTickMs - heartbeatMs : undefined;
}

export function retentionExpired(retainedSince: number, now: number): boolean {
  return now - retainedSince >= RETENTION_MS;
}
