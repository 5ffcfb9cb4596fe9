import type { MemberView } from '../events.js';

/**
 * The member state names every view shows: management JSON, SSE payloads, Prometheus label values
 * and log attributes (docs/api.md §2.6). The Go server's tools (hypercache-monitor) accept only
 * these, so the internal `leaving` state is shown as `draining`. The peer wire keeps `leaving`.
 */
export const VIEW_STATES = ['alive', 'suspect', 'dead', 'draining'] as const;
export type ViewState = (typeof VIEW_STATES)[number];

export function viewState(state: MemberView['State']): ViewState {
  return state === 'leaving' ? 'draining' : state;
}

/** A per-state count keyed by the view names. */
export function byViewState(counts: Record<MemberView['State'], number>): Record<ViewState, number> {
  return { alive: counts.alive, suspect: counts.suspect, dead: counts.dead, draining: counts.leaving };
}
