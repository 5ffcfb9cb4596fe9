import { describe, expect, it } from 'vitest';
import type { Consistency } from '../../../src/config/config.types.js';
import { flooredN, required } from '../../../src/core/replication/quorum.js';

// docs/cluster.md §3: one → 1, quorum → ⌊n/2⌋ + 1, all → n.
const table: [Consistency, number, number][] = [
  ['one', 1, 1], ['one', 3, 1], ['one', 5, 1],
  ['quorum', 1, 1], ['quorum', 2, 2], ['quorum', 3, 2], ['quorum', 4, 3], ['quorum', 5, 3], ['quorum', 6, 4], ['quorum', 7, 4],
  ['all', 1, 1], ['all', 2, 2], ['all', 3, 3], ['all', 5, 5],
];

describe('required (docs/cluster.md §3)', () => {
  it.each(table)('%s of %i owners needs %i', (level, n, want) => {
    expect(required(level, n)).toBe(want);
  });

  it.each(['one', 'quorum', 'all'] as const)('%s with no owners still needs one ack (so it cannot succeed)', (level) => {
    expect(required(level, 0)).toBe(1);
  });
});

describe('flooredN (docs/cluster.md §3.1)', () => {
  it('is the owner count while the view is whole', () => {
    expect(flooredN(3, 3, 5)).toBe(3);
    expect(flooredN(1, 1, 5)).toBe(1);
  });

  it('never counts fewer than min(RF, known members): retained dead and leaving records count', () => {
    // 5 known, 2 declared dead: still 3 owners on the ring, n 3.
    expect(flooredN(3, 3, 5)).toBe(3);
    // 3 known, 2 just declared dead: 1 owner left on the ring, n stays 3.
    expect(flooredN(1, 3, 3)).toBe(3);
    // 3 known, 1 dead: 2 owners, n 3 (X-Cache-Acks shows 2/3, not 2/2).
    expect(flooredN(2, 3, 3)).toBe(3);
  });

  it('follows the membership once records are forgotten, and a lone node is n = 1', () => {
    expect(flooredN(2, 3, 2)).toBe(2);
    expect(flooredN(1, 3, 1)).toBe(1);
  });
});
