import { describe, expect, it } from 'vitest';
import type { Consistency } from '../../../src/config/config.types.js';
import { required } from '../../../src/core/replication/quorum.js';

// §4.8: one → 1, quorum → ⌊n/2⌋ + 1, all → n.
const table: [Consistency, number, number][] = [
  ['one', 1, 1], ['one', 3, 1], ['one', 5, 1],
  ['quorum', 1, 1], ['quorum', 2, 2], ['quorum', 3, 2], ['quorum', 4, 3], ['quorum', 5, 3], ['quorum', 6, 4], ['quorum', 7, 4],
  ['all', 1, 1], ['all', 2, 2], ['all', 3, 3], ['all', 5, 5],
];

describe('required (§4.8)', () => {
  it.each(table)('%s of %i owners needs %i', (level, n, want) => {
    expect(required(level, n)).toBe(want);
  });

  it.each(['one', 'quorum', 'all'] as const)('%s with no owners still needs one ack (so it cannot succeed)', (level) => {
    expect(required(level, 0)).toBe(1);
  });
});
