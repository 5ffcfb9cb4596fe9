import { ttlMs } from '@hypercache/client';
import { describe, expect, it } from 'vitest';

describe('ttlMs: batch TTLs as the server reads ?ttl=', () => {
  it.each([
    ['5m', 300_000], ['1h30m', 5_400_000], ['250ms', 250], ['1.5s', 1_500], ['0', 0], ['90s', 90_000], [1234, 1234], [0, 0],
  ] as const)('%j → %i ms', (ttl, ms) => {
    expect(ttlMs(ttl)).toBe(ms);
  });

  it.each(['', '5', 'm5', '5 m', '-1s', '1d', 1.5, -1])('%j is refused', (ttl) => {
    expect(() => ttlMs(ttl)).toThrow(RangeError);
  });
});
