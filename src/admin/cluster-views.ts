import type { Core } from '../bootstrap/core.js';
import type { MemberView } from '../core/events.js';

/** `/cluster/members` and the SSE `members` payload (CONTRACT §5.6). */
export interface MembersView {
  replication: number;
  virtualNodes: number;
  members: MemberView[];
}

/** `/cluster/heartbeat` and the SSE `heartbeat` payload: the §5.5 counters of those names. */
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

export function membersView(core: Core): MembersView {
  return { replication: core.config.replication, virtualNodes: core.config.vnodes, members: core.node.members.list() };
}

export function heartbeatView(core: Core): HeartbeatView {
  const d = core.node.counters.dist;
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

export function ringView(core: Core): RingView {
  const vnodes = core.node.ring.describe();
  return { count: vnodes.length, vnodes };
}
