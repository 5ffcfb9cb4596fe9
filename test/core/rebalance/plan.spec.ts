import { describe, expect, it } from 'vitest';
import { handoffTargets, plan, senderOf, takeover } from '../../../src/core/rebalance/plan.js';

/** Membership of a ring, as the planner asks it. */
const on = (...ids: string[]) => (id: string) => ids.includes(id);

describe('rebalance planner (docs/cluster.md §8.4)', () => {
  it('the sender is the first old owner still on the ring, whether or not it keeps the key', () => {
    expect(senderOf(['a', 'b', 'c'], on('a', 'b', 'c', 'd'))).toBe('a');
    expect(senderOf(['a', 'b', 'c'], on('b', 'c', 'd'))).toBe('b');
    expect(senderOf(['a', 'b'], on('c', 'd'))).toBeUndefined();
  });

  it('the sender sends to every new owner; a surviving owner that is not the sender sends nothing', () => {
    expect(plan(['a', 'b'], ['a', 'c'], 'a', on('a', 'b', 'c'))).toEqual({ kind: 'new_owner', targets: ['c'] });
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'b', on('b', 'c', 'd'))).toEqual({ kind: 'new_owner', targets: ['d'] });
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'c', on('b', 'c', 'd'))).toBeUndefined();
    expect(plan(['a', 'b'], ['a', 'b', 'c'], 'b', on('a', 'b', 'c'))).toBeUndefined();
  });

  it('an old owner that loses the key sends it only when it is the sender; either way the copy is dropped later', () => {
    // a is first among the old owners and still on the ring: a sends d the key, although a no longer owns it.
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'a', on('a', 'b', 'c', 'd'))).toEqual({ kind: 'lost_ownership', targets: ['d'] });
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'b', on('a', 'b', 'c', 'd'))).toBeUndefined();
    // c loses the key, a sends: c only schedules its drop.
    expect(plan(['a', 'b', 'c'], ['a', 'd', 'b'], 'c', on('a', 'b', 'c', 'd'))).toEqual({ kind: 'lost_ownership', targets: [] });
  });

  it('an unchanged owner list plans nothing, even for the sender', () => {
    expect(plan(['a', 'b'], ['a', 'b'], 'a', on('a', 'b'))).toBeUndefined();
  });

  it('a stray copy (self owned it on neither ring) goes to every owner', () => {
    expect(plan(['a', 'c'], ['a', 'c'], 'x', on('a', 'c', 'x'))).toEqual({ kind: 'lost_ownership', targets: ['a', 'c'] });
  });

  it('no old owner left on the ring: nobody sends', () => {
    expect(plan(['a', 'b'], ['c', 'd'], 'c', on('c', 'd'))).toBeUndefined();
  });

  it('takeover: when the sender of the previous change left the ring, the next old owner sends what it was to send', () => {
    // Previous change: owners a,b,c → d,a,b on ring {a,b,c,d}; a was the sender to d. Now a is gone.
    const prev = ['a', 'b', 'c'];
    const mid = ['d', 'a', 'b'];
    const now = ['d', 'b', 'c'];
    expect(takeover(prev, mid, now, 'b', on('a', 'b', 'c', 'd'), on('b', 'c', 'd'))).toEqual(['d']);
    expect(takeover(prev, mid, now, 'c', on('a', 'b', 'c', 'd'), on('b', 'c', 'd'))).toEqual([]);
    // The sender is still on the ring: nothing to take over.
    expect(takeover(prev, mid, ['d', 'a', 'c'], 'b', on('a', 'b', 'c', 'd'), on('a', 'c', 'd'))).toEqual([]);
    // A target that no longer owns the key is not sent to.
    expect(takeover(prev, mid, ['b', 'c', 'e'], 'b', on('a', 'b', 'c', 'd'), on('b', 'c', 'e'))).toEqual([]);
  });

  it('handoff targets are owners_new \\ owners_old', () => {
    expect(handoffTargets(['x', 'a', 'b'], ['a', 'b', 'c'])).toEqual(['c']);
    expect(handoffTargets(['a', 'b'], ['a', 'b'])).toEqual([]);
  });
});
