import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, smallestKeys } from '../../../src/core/keys/utf8-order.js';

const sign = (n: number) => Math.sign(n) + 0;
// 'binary' = any code point except lone surrogates, so Buffer.from is lossless; mixed with a few
// characters near the UTF-16/UTF-8 disagreement (surrogate pairs vs U+E000–FFFF).
const tricky = fc.constantFrom('a', '\u007f', '\u0080', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '😀', '\u{10ffff}');
const strArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: tricky, maxLength: 6 }));

describe('compareUtf8', () => {
  it('puts astral characters above U+E000–FFFF, like UTF-8', () => {
    expect(compareUtf8('😀', '\uffff')).toBeGreaterThan(0);
    expect(compareUtf8('\ue000', '\ud7ff')).toBeGreaterThan(0);
    expect(compareUtf8('ab', 'abc')).toBeLessThan(0);
    expect(compareUtf8('', '')).toBe(0);
  });

  it('property: agrees with Buffer.compare of the UTF-8 encodings', () => {
    fc.assert(
      fc.property(strArb, strArb, (a, b) => {
        expect(sign(compareUtf8(a, b))).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('smallestKeys', () => {
  it('returns the max smallest distinct keys in UTF-8 order and whether more matched', () => {
    expect(smallestKeys(['b', '😀', 'a', '\uffff', 'b'], 3)).toEqual({ keys: ['a', 'b', '\uffff'], more: true });
    expect(smallestKeys(['b', 'a', 'b'], 2)).toEqual({ keys: ['a', 'b'], more: false });
    expect(smallestKeys([], 10)).toEqual({ keys: [], more: false });
  });

  it('property: equals the sorted distinct byte strings, truncated', () => {
    fc.assert(
      fc.property(fc.array(strArb, { maxLength: 30 }), fc.integer({ min: 0, max: 40 }), (keys, max) => {
        const expected = [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(smallestKeys(keys, max)).toEqual({ keys: expected.slice(0, max), more: expected.length > max });
      }),
    );
  });
});
