import type { MemberState, MembershipReply, MembershipRequest } from './messages.js';
import { viewState } from './view-state.js';

/**
 * What the membership state machine asks its caller to do. The machine never performs I/O: every
 * call returns the effects it produced, in order.
 */
export type Effect =
  /**
   * Send `msg` to `to` (an advertised `host:port`) with `timeoutMs`, then report the outcome exactly
   * once with `Membership.response(seq, reply | null, now)`: null for a timeout or any error.
   */
  | { type: 'send'; seq: number; to: string; toId?: string; msg: MembershipRequest; timeoutMs: number }
  /** Answer the deferred inbound request `token` (a `ping_req` whose relayed ping has finished). */
  | { type: 'reply'; token: number; msg: MembershipReply }
  /** A peer's record changed state (`from` null: a new member). */
  | { type: 'stateChanged'; id: string; address: string; from: MemberState | null; to: MemberState; incarnation: number }
  /** Local health: this node's heartbeat tick came `stalledMs` late; its peers' detection windows restarted. */
  | { type: 'localStall'; stalledMs: number }
  /** A retained `dead`/`leaving` record was dropped after the retention period. */
  | { type: 'forgotten'; id: string }
  /** Self raised its incarnation to outbid a suspect/dead/leaving claim. */
  | { type: 'selfRefuted'; incarnation: number; claimedState: MemberState; claimedIncarnation: number; from: string | undefined }
  /** The node at a configured `id@host:port` seed's address reported another ID. */
  | { type: 'seedIdMismatch'; address: string; configuredId: string; actualId: string }
  /** A probe was answered by a node with another ID (counted as a failed probe). */
  | { type: 'probeIdMismatch'; id: string; address: string; answeredBy: string }
  /** Joined through a successful exchange with a peer (docs/lifecycle.md §2 (b)). */
  | { type: 'joined'; via: 'join' | 'gossip' }
  /** Joined because the join grace passed with no peer contact (docs/lifecycle.md §2 (c)). */
  | { type: 'joinGraceElapsed' };

export interface LogLine {
  level: 'debug' | 'info' | 'warn';
  msg: string;
  attrs: Record<string, unknown>;
}

/** The log event (docs/operations.md §1) for an effect, when it has one. States carry their view names (`draining`). */
export function logLineOf(e: Effect): LogLine | undefined {
  switch (e.type) {
    case 'stateChanged':
      return {
        level: e.to === 'dead' ? 'warn' : 'info',
        msg: 'member state changed',
        attrs: { peer_id: e.id, from: e.from === null ? null : viewState(e.from), to: viewState(e.to), incarnation: e.incarnation },
      };
    case 'selfRefuted':
      return {
        level: 'info',
        msg: 'self refuted suspicion',
        attrs: { incarnation: e.incarnation, claimed_state: viewState(e.claimedState), claimed_incarnation: e.claimedIncarnation, from: e.from ?? null },
      };
    case 'localStall':
      return {
        level: 'warn',
        msg: 'local stall detected; peer failure detection restarted',
        attrs: { stalled_ms: e.stalledMs },
      };
    case 'seedIdMismatch':
      return { level: 'warn', msg: 'seed id mismatch', attrs: { seed_addr: e.address, configured_id: e.configuredId, actual_id: e.actualId } };
    case 'probeIdMismatch':
      return { level: 'warn', msg: 'probe answered by another node', attrs: { peer_id: e.id, addr: e.address, answered_by: e.answeredBy } };
    case 'joined':
      return { level: 'info', msg: 'cluster joined', attrs: { via: e.via } };
    case 'joinGraceElapsed':
      return { level: 'warn', msg: 'no seed reachable; serving as a single-node cluster', attrs: {} };
    case 'forgotten':
      return { level: 'debug', msg: 'member forgotten', attrs: { peer_id: e.id } };
    case 'send':
    case 'reply':
      return undefined;
  }
}
