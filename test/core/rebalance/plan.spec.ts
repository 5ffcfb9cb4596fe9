import { describe, expect, it } from 'vitest';
import { handoffTargets, plan } from '../../../src/core/rebalance/plan.js';

describe('rebalance planner (CONTRACT §6.10)', () => {
  it('the senior surviving owner sends to every new owner', () => {
    expect(plan(['a', 'b'], ['a', 'c'], 'a')).toEqual({ kind: 'new_owner', targets: ['c'] });
    // The senior is the first member of owners_new that was an owner before, not the old primary.
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'b')).toEqual({ kind: 'new_owner', targets: ['d'] });
    expect(plan(['a', 'b', 'c'], ['d', 'b', 'c'], 'c')).toBeUndefined();
  });

  it('a surviving owner that is not the senior sends nothing', () => {
    expect(plan(['a', 'b'], ['a', 'b', 'c'], 'b')).toBeUndefined();
  });

  it('an unchanged owner list plans nothing, even for the primary', () => {
    expect(plan(['a', 'b'], ['a', 'b'], 'a')).toBeUndefined();
  });

  it('self outside owners_new sends to every new owner (lost ownership)', () => {
    expect(plan(['a', 'b'], ['c', 'a'], 'b')).toEqual({ kind: 'lost_ownership', targets: ['c', 'a'] });
    // A misplaced copy (self was never an owner) is lost ownership as well.
    expect(plan(['a', 'c'], ['a', 'c'], 'x')).toEqual({ kind: 'lost_ownership', targets: ['a', 'c'] });
  });

  it('nobody survives: no senior, nothing sent by a new owner', () => {
    expect(plan(['a', 'b'], ['c', 'd'], 'c')).toBeUndefined();
  });

  it('handoff targets are owners_new \\ owners_old', () => {
    expect(handoffTargets(['x', 'a', 'b'], ['a', 'b', 'c'])).toEqual(['c']);
    expect(handoffTargets(['a', 'b'], ['a', 'b'])).toEqual([]);
  });
});
