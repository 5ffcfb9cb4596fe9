import { describe, expect, it } from 'vitest';
import { logLineOf } from '../../../src/core/membership/effects.js';
import { VIEW_STATES, byViewState, viewState } from '../../../src/core/membership/view-state.js';

describe('state names in views (docs/api.md §2.6)', () => {
  it('shows the internal `leaving` as `draining` and every other state as is', () => {
    expect((['alive', 'suspect', 'dead', 'leaving'] as const).map(viewState)).toEqual(['alive', 'suspect', 'dead', 'draining']);
    expect(VIEW_STATES).toEqual(['alive', 'suspect', 'dead', 'draining']);
    expect(byViewState({ alive: 3, suspect: 1, dead: 0, leaving: 2 })).toEqual({ alive: 3, suspect: 1, dead: 0, draining: 2 });
  });

  it('log attributes carry the view names', () => {
    expect(logLineOf({ type: 'stateChanged', id: 'n2', address: 'n2:7946', from: 'alive', to: 'leaving', incarnation: 4 })).toEqual({
      level: 'info', msg: 'member state changed', attrs: { peer_id: 'n2', from: 'alive', to: 'draining', incarnation: 4 },
    });
    expect(logLineOf({ type: 'stateChanged', id: 'n3', address: 'n3:7946', from: null, to: 'alive', incarnation: 1 })?.attrs)
      .toMatchObject({ from: null, to: 'alive' });
    expect(logLineOf({ type: 'selfRefuted', incarnation: 3, claimedState: 'leaving', claimedIncarnation: 2, from: 'n2' })?.attrs)
      .toMatchObject({ claimed_state: 'draining' });
  });
});
