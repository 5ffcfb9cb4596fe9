import type { MemberState } from './messages.js';

/** Failure-detection arithmetic of CONTRACT §6.3 and §8, as plain functions of elapsed time. */
export const SUSPECT_AFTER_HEARTBEATS = 3;
export const DEAD_AFTER_HEARTBEATS = 6;
/** Dead and leaving records are kept this long from the local transition, then forgotten. */
export const RETENTION_MS = 60_000;

export type Verdict = 'ok' | 'suspect' | 'dead';

/** "No contact for more than 3 × HEARTBEAT" → suspect; "more than 6 ×" → dead. */
export function verdict(sinceContactMs: number, heartbeatMs: number): Verdict {
  if (sinceContactMs > DEAD_AFTER_HEARTBEATS * heartbeatMs) return 'dead';
  if (sinceContactMs > SUSPECT_AFTER_HEARTBEATS * heartbeatMs) return 'suspect';
  return 'ok';
}

/**
 * The state the failure detector moves a member to, or undefined for no change. It only ever
 * worsens a state: `suspect` → `alive` needs a higher incarnation, and `dead`/`leaving` are not probed.
 */
export function detectorTransition(state: MemberState, v: Verdict): MemberState | undefined {
  if (state !== 'alive' && state !== 'suspect') return undefined;
  if (v === 'dead') return 'dead';
  if (v === 'suspect' && state === 'alive') return 'suspect';
  return undefined;
}

export function retentionExpired(retainedSince: number, now: number): boolean {
  return now - retainedSince >= RETENTION_MS;
}
