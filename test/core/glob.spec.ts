import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheError } from '../../src/core/errors.js';
import { compileKeyPattern } from '../../src/core/keys/glob.js';

const matches = (q: string, key: string) => compileKeyPattern(q)(key);

function errorOf(q: string): CacheError {
  try {
    compileKeyPattern(q);
  } catch (err) {
    return err as CacheError;
  }
  throw new Error(`pattern ${q} compiled`);
}

describe('key browser pattern', () => {
  it('matches every key when empty', () => {
    expect(matches('', '')).toBe(true);
    expect(matches('', 'anything/at/all')).toBe(true);
  });

  it('is a literal prefix without unescaped meta characters, escapes removed', () => {
    expect(matches('first-', 'first-01')).toBe(true);
    expect(matches('first-', 'second-1')).toBe(false);
    expect(matches('a\\*', 'a*b')).toBe(true);
    expect(matches('a\\*', 'ab')).toBe(false);
    expect(matches('a\\[x', 'a[xyz')).toBe(true);
    expect(matches(']!^-', ']!^-tail')).toBe(true);
  });

  it('is a whole-key glob with a meta character', () => {
    expect(matches('greet-*', 'greet-en')).toBe(true);
    expect(matches('greet-*', 'xgreet-en')).toBe(false);
    expect(matches('*-en', 'greet-en')).toBe(true);
    expect(matches('*-en', 'greet-en-x')).toBe(false);
    expect(matches('a*', 'a')).toBe(true);
    expect(matches('**', '')).toBe(true);
  });

  it('lets * cross /', () => {
    expect(matches('users/*', 'users/42/profile')).toBe(true);
    expect(matches('*/profile', 'users/42/profile')).toBe(true);
  });

  it('matches exactly one code point with ?', () => {
    expect(matches('k?', 'k1')).toBe(true);
    expect(matches('k?', 'k')).toBe(false);
    expect(matches('k?', 'k12')).toBe(false);
    expect(matches('k?', 'k😀')).toBe(true);
    expect(matches('k??', 'k😀')).toBe(false);
    expect(matches('?é', 'xé')).toBe(true);
  });

  it('supports classes with ranges and both negations', () => {
    expect(matches('k[0-9]', 'k7')).toBe(true);
    expect(matches('k[0-9]', 'ka')).toBe(false);
    expect(matches('k[a-cx]', 'kx')).toBe(true);
    expect(matches('k[!0-9]', 'ka')).toBe(true);
    expect(matches('k[!0-9]', 'k5')).toBe(false);
    expect(matches('k[^0-9]', 'k5')).toBe(false);
    expect(matches('k[^0-9]', 'k-')).toBe(true);
    expect(matches('k[-a]', 'k-')).toBe(true);
    expect(matches('k[a-]', 'k-')).toBe(true);
    expect(matches('k[\\]]', 'k]')).toBe(true);
    expect(matches('k[😀-😂]', 'k😁')).toBe(true);
  });

  it('escapes meta characters inside a glob', () => {
    expect(matches('a\\?*', 'a?b')).toBe(true);
    expect(matches('a\\?*', 'ab')).toBe(false);
    expect(matches('*\\*', 'x*')).toBe(true);
  });

  it.each([
    ['k[abc', "invalid glob pattern: unclosed '['"],
    ['k[', "invalid glob pattern: unclosed '['"],
    ['k[]', 'invalid glob pattern: empty character class'],
    ['k[!]', 'invalid glob pattern: empty character class'],
    ['k[z-a]', "invalid glob pattern: reversed range 'z-a'"],
    ['k*\\', 'invalid glob pattern: trailing backslash'],
    ['plain\\', 'invalid glob pattern: trailing backslash'],
    ['k[a\\', 'invalid glob pattern: trailing backslash'],
  ])('rejects %s', (q, message) => {
    const err = errorOf(q);
    expect(err).toBeInstanceOf(CacheError);
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toBe(message);
  });

  it('agrees with a regex translation on random patterns of literals, ? and *', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', 'é', '😀');
    const patternChar = fc.oneof(alphabet, fc.constant('*'), fc.constant('?'));
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 8 }), fc.array(alphabet, { maxLength: 10 }), (p, k) => {
        const q = p.join('');
        if (!q.includes('*') && !q.includes('?')) return;
        const source = p.map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
        const expected = new RegExp(`^${source}$`, 'su').test(k.join(''));
        expect(matches(q, k.join(''))).toBe(expected);
      }),
    );
  });

  it('stays fast on a pathological pattern', () => {
    const q = `${'*a'.repeat(40)}*b`;
    const key = 'a'.repeat(1000);
    const start = performance.now();
    expect(matches(q, key)).toBe(false);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
