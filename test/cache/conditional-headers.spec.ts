import { describe, expect, it } from 'vitest';
import { conditionMatches, etagOf, parseEtagCondition } from '../../src/cache/conditional-headers.js';

describe('If-Match / If-None-Match parsing', () => {
  it('reads *, single tags and lists', () => {
    expect(parseEtagCondition('If-Match', undefined)).toBeUndefined();
    expect(parseEtagCondition('If-Match', '*')).toBe('*');
    expect(parseEtagCondition('If-Match', ' * ')).toBe('*');
    expect(parseEtagCondition('If-Match', '"17"')).toEqual([17]);
    expect(parseEtagCondition('If-Match', '"1", "2",\t"3"')).toEqual([1, 2, 3]);
    expect(parseEtagCondition('If-Match', '"1",,"2"')).toEqual([1, 2]);
  });

  it('keeps weak and non-version tags well-formed but unmatched', () => {
    expect(parseEtagCondition('If-None-Match', 'W/"5"')).toEqual([]);
    expect(parseEtagCondition('If-Match', 'W/"5", "6"')).toEqual([6]);
    expect(parseEtagCondition('If-Match', '"abc"')).toEqual([]);
    expect(parseEtagCondition('If-Match', '"99999999999999999999"')).toEqual([]);
    expect(parseEtagCondition('If-Match', '""')).toEqual([]);
  });

  it.each(['', ' ', '5', '"5', '"5" "6"', '*, "5"', 'W/5', 'w/"5"', '"a b"', ',', '"5";x'])('rejects %j with the header name', (value) => {
    expect(() => parseEtagCondition('If-Match', value)).toThrow('invalid If-Match header');
    expect(() => parseEtagCondition('If-None-Match', value)).toThrow('invalid If-None-Match header');
  });

  it('matches * against any live version and lists by equality', () => {
    expect(conditionMatches('*', 3)).toBe(true);
    expect(conditionMatches([1, 3], 3)).toBe(true);
    expect(conditionMatches([1, 2], 3)).toBe(false);
    expect(conditionMatches([], 3)).toBe(false);
  });

  it('renders the strong ETag of a version', () => {
    expect(etagOf(1778061600000000)).toBe('"1778061600000000"');
  });
});
