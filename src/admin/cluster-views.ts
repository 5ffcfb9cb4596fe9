import type { HypercacheConfig } from '../config/config.types.js';
import type { MemberView } from '../core/events.js';
import type { NodeSnapshot } from '../core/node-api.js';
import { type ViewState, viewState } from '../core/membership/view-state.js';

/** One member as every view shows it: the internal `leaving` state named `draining` (docs/api.md §2.6). */
export interface MemberEntry {
  ID: string;
  Address: string;
  State: ViewState;
  Incarnation: number;
}

/** `/cluster/members` and the SSE `members` payload (docs/api.md §2.6). */
export interface MembersView {
  replication: number;
  virtualNodes: number;
  members: MemberEntry[];
}

/** The SSE `member` payload: one transition (`Previous` null for a new member). */
export interface MemberTransitionView extends MemberEntry {
  Previous: ViewState | null;
}

/** `/cluster/heartbeat` and the SSE `heartbeat` payload: the docs/api.md §2.5 counters of those names. */
export interface HeartbeatView {
  heartbeatSuccess: number;
  heartbeatFailure: number;
  nodesRemoved: number;
  readPrimaryPromote: number;
  indirectProbeSuccess: number;
  indirectProbeFailure: number;
  nodesSuspect: number;
}

export interface RingView {
  count: number;
  vnodes: string[];
}

export function memberEntry(m: MemberView): MemberEntry {
  return { ID: m.ID, Address: m.Address, State: viewState(m.State), Incarnation: m.Incarnation };
}

export function memberTransitionView(m: MemberView, previous: MemberView['State'] | null): MemberTransitionView {
  return { ...memberEntry(m), Previous: previous === null ? null : viewState(previous) };
}

export function membersView(snapshot: NodeSnapshot, config: Pick<HypercacheConfig, 'replication' | 'vnodes'>): MembersView {
  return { replication: config.replication, virtualNodes: config.vnodes, members: snapshot.members.map(memberEntry) };
}

export function heartbeatView(snapshot: NodeSnapshot): HeartbeatView {
  const d = snapshot.dist;
  return {
    heartbeatSuccess: d.HeartbeatSuccess,
    heartbeatFailure: d.HeartbeatFailure,
    nodesRemoved: d.NodesRemoved,
    readPrimaryPromote: d.ReadPrimaryPromote,
    indirectProbeSuccess: d.IndirectProbeSuccess,
    indirectProbeFailure: d.IndirectProbeFailure,
    nodesSuspect: d.NodesSuspect,
  };
}

export function ringView(vnodes: string[]): RingView {
  return { count: vnodes.length, vnodes };
}
