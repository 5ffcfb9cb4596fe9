import { describe, expect, it } from 'vitest';
import type { MemberState } from '../../../src/core/membership/messages.js';
import {
  RANK, comparePrecedence, isLive, joinIncarnation, mergeDecision, selfClaimOutcome,
} from '../../../src/core/membership/precedence.js';
import {
  DEAD_AFTER_HEARTBEATS, DEAD_AFTER_SUSPICION_HEARTBEATS, RETENTION_MS, SUSPECT_AFTER_HEARTBEATS, detectorTransition,
  retentionExpired, stallOf, verdict,
} from '../../../src/core/membership/suspicion.js';

const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'leaving'];
const rec = (State: MemberState, Incarnation: number) => ({ State, Incarnation });

describe('precedence (docs/cluster.md §2)', () => {
  it('ranks alive < suspect < dead < leaving', () => {
    expect(RANK).toEqual({ alive: 0, suspect: 1, dead: 2, leaving: 3 });
    expect(STATES.filter(isLive)).toEqual(['alive', 'suspect']);
  });

  /** At equal incarnation, row = local state, column = incoming state: does the incoming record replace? */
  const SAME_INCARNATION: Record<MemberState, Record<MemberState, boolean>> = {
    alive: { alive: false, suspect: true, dead: true, leaving: true },
    suspect: { alive: false, suspect: false, dead: true, leaving: true },
    dead: { alive: false, suspect: false, dead: false, leaving: true },
    leaving: { alive: false, suspect: false, dead: false, leaving: false },
  };

  describe.each(STATES)('local %s at incarnation 5', (local) => {
    it.each(STATES)('incoming %s: replaces iff (incarnation, rank) is greater', (incoming) => {
      expect(mergeDecision(rec(local, 5), rec(incoming, 4))).toBe('ignore');
      expect(mergeDecision(rec(local, 5), rec(incoming, 5))).toBe(SAME_INCARNATION[local][incoming] ? 'replace' : 'ignore');
      expect(mergeDecision(rec(local, 5), rec(incoming, 6))).toBe('replace');
    });
  });

  it.each(STATES)('an unknown ID enters only alive or suspect (incoming %s)', (incoming) => {
    for (const inc of [0, 1, 9]) expect(mergeDecision(undefined, rec(incoming, inc))).toBe(isLive(incoming) ? 'add' : 'ignore');
  });

  it('compares incarnation before state: a higher incarnation alive beats a lower incarnation leaving', () => {
    expect(comparePrecedence(rec('alive', 3), rec('leaving', 2))).toBe(1);
    expect(comparePrecedence(rec('leaving', 2), rec('alive', 3))).toBe(-1);
    for (const s of STATES) expect(comparePrecedence(rec(s, 2), rec(s, 2))).toBe(0);
  });

  it('a boot record of an id@ seed (incarnation 0) loses to every real record', () => {
    for (const s of STATES) expect(mergeDecision(rec('alive', 0), rec(s, 1))).toBe('replace');
  });
});

describe('join incarnation (docs/cluster.md §2)', () => {
  it.each([
    [1, undefined, 1],
    [7, undefined, 7],
    [1, 0, 1],
    [1, 3, 4],
    [4, 3, 4],
    [9, 3, 9],
    [3, 3, 4],
  ])('claimed %s, known %s → %s', (claimed, known, expected) => {
    expect(joinIncarnation(claimed, known)).toBe(expected);
  });
});

describe('records about self (docs/cluster.md §2 refutation)', () => {
  const own = rec('alive', 5);

  /** [claimed state, claimed incarnation, draining] → outcome. */
  const cases: Array<[MemberState, number, boolean, ReturnType<typeof selfClaimOutcome>]> = [];
  for (const draining of [false, true]) {
    for (const inc of [4, 5, 6]) {
      cases.push(['alive', inc, draining, inc > 5 ? { action: 'adopt', incarnation: inc } : { action: 'ignore' }]);
      for (const s of ['suspect', 'dead', 'leaving'] as const) {
        cases.push([s, inc, draining, !draining && inc >= 5 ? { action: 'refute', incarnation: inc + 1 } : { action: 'ignore' }]);
      }
    }
  }

  it.each(cases)('claim %s@%s, draining %s → %o', (state, inc, draining, expected) => {
    expect(selfClaimOutcome(own, rec(state, inc), draining)).toEqual(expected);
  });

  it('a refutation always outranks the claim it answers', () => {
    for (const s of ['suspect', 'dead', 'leaving'] as const) {
      const out = selfClaimOutcome(own, rec(s, 5), false);
      expect(out.action).toBe('refute');
      if (out.action === 'refute') expect(comparePrecedence(rec('alive', out.incarnation), rec(s, 5))).toBe(1);
    }
  });
});

describe('suspicion maths (docs/cluster.md §2, docs/configuration.md §6)', () => {
  it('fixes suspect after more than 3 and dead after more than 6 heartbeats without contact', () => {
    expect(SUSPECT_AFTER_HEARTBEATS).toBe(3);
    expect(DEAD_AFTER_HEARTBEATS).toBe(6);
    expect(RETENTION_MS).toBe(60_000);
  });

  it.each([10, 250, 1000, 3_600_000])('verdict boundaries at HEARTBEAT %s ms', (hb) => {
    expect(verdict(0, hb)).toBe('ok');
    expect(verdict(3 * hb, hb)).toBe('ok');
    expect(verdict(3 * hb + 1, hb)).toBe('suspect');
    expect(verdict(6 * hb, hb)).toBe('suspect');
    expect(verdict(6 * hb + 1, hb)).toBe('dead');
  });

  /** Row = current state, column = verdict: the detector's next state (undefined = unchanged), with a ripe suspicion. */
  const TRANSITIONS: Record<MemberState, Record<'ok' | 'suspect' | 'dead', MemberState | undefined>> = {
    alive: { ok: undefined, suspect: 'suspect', dead: 'suspect' },
    suspect: { ok: undefined, suspect: undefined, dead: 'dead' },
    dead: { ok: undefined, suspect: undefined, dead: undefined },
    leaving: { ok: undefined, suspect: undefined, dead: undefined },
  };
  const RIPE = { heldMs: 3000, failedProbes: 1 };

  it.each(STATES)('detector transitions from %s: only ever worsens a live member, one step at a time', (state) => {
    for (const v of ['ok', 'suspect', 'dead'] as const) expect(detectorTransition(state, v, RIPE, 1000)).toBe(TRANSITIONS[state][v]);
  });

  it.each([10, 1000])('suspect → dead needs the suspicion held 3 × HEARTBEAT (%s ms) with a failed probe in that time', (hb) => {
    expect(DEAD_AFTER_SUSPICION_HEARTBEATS).toBe(3);
    expect(detectorTransition('suspect', 'dead', { heldMs: 3 * hb, failedProbes: 1 }, hb)).toBe('dead');
    expect(detectorTransition('suspect', 'dead', { heldMs: 3 * hb - 1, failedProbes: 5 }, hb)).toBeUndefined();
    expect(detectorTransition('suspect', 'dead', { heldMs: 100 * hb, failedProbes: 0 }, hb)).toBeUndefined();
    expect(detectorTransition('suspect', 'dead', undefined, hb)).toBeUndefined();
    expect(detectorTransition('suspect', 'suspect', { heldMs: 100 * hb, failedProbes: 9 }, hb)).toBeUndefined();
  });

  it.each([10, 500, 1000])('a stall is a heartbeat tick more than HEARTBEAT (%s ms) late', (hb) => {
    expect(stallOf(hb, hb)).toBeUndefined();
    expect(stallOf(2 * hb, hb)).toBeUndefined();
    expect(stallOf(2 * hb + 1, hb)).toBe(hb + 1);
    expect(stallOf(10 * hb, hb)).toBe(9 * hb);
  });

  it('retains dead/leaving records for 60 s from the local transition', () => {
    expect(retentionExpired(1000, 1000 + 59_999)).toBe(false);
    expect(retentionExpired(1000, 1000 + 60_000)).toBe(true);
  });
});
