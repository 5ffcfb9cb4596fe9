import { describe, expect, it } from 'vitest';
import { keepPathRaw } from '../../src/cache/client-fastify-options.js';
import { parseConsistency } from '../../src/cache/consistency-header.js';
import { firstValue, requireKey } from '../../src/cache/key-param.js';
import { MAX_TTL_MS, parseTtlParam } from '../../src/cache/ttl-param.js';

describe('ttl query', () => {
  it('means no expiry when absent, empty or zero', () => {
    for (const v of [undefined, '', '0', '0s', '0ms', '0h']) expect(parseTtlParam(v)).toBe(0);
  });

  it('parses Go durations to whole ms', () => {
    expect(parseTtlParam('5m')).toBe(300_000);
    expect(parseTtlParam('1.5s')).toBe(1500);
    expect(parseTtlParam('1ms')).toBe(1);
    expect(parseTtlParam('1500us')).toBe(1);
    expect(parseTtlParam('87600h')).toBe(MAX_TTL_MS);
  });

  it.each([
    ['abc', 'invalid ttl: invalid duration'],
    ['10', 'invalid ttl: missing unit'],
    ['5x', 'invalid ttl: unknown unit "x"'],
    ['-1s', 'invalid ttl: must not be negative'],
    ['999us', 'invalid ttl: must be at least 1ms'],
    ['1ns', 'invalid ttl: must be at least 1ms'],
    ['87600h1ns', 'invalid ttl: must be at most 87600h'],
    ['87601h', 'invalid ttl: must be at most 87600h'],
    ['9999999999h', 'invalid ttl: duration out of range'],
  ])('rejects %s', (v, message) => {
    expect(() => parseTtlParam(v)).toThrow(message);
  });
});

describe('X-Consistency', () => {
  it('is case-insensitive and defaults when absent', () => {
    expect(parseConsistency(undefined, 'quorum')).toBe('quorum');
    expect(parseConsistency('ONE', 'quorum')).toBe('one');
    expect(parseConsistency('Quorum', 'one')).toBe('quorum');
    expect(parseConsistency('all', 'one')).toBe('all');
  });

  it.each(['', 'two', 'one, all', 'majority'])('rejects %j', (v) => {
    expect(() => parseConsistency(v, 'one')).toThrow('invalid X-Consistency: expected one, quorum or all');
  });
});

describe('key parameter', () => {
  it('decodes the raw segment or refuses it with the documented message', () => {
    expect(requireKey('a%2Fb')).toBe('a/b');
    expect(() => requireKey('%')).toThrow('invalid key: must be 1 to 1024 bytes of UTF-8');
    expect(() => requireKey(undefined)).toThrow('invalid key: must be 1 to 1024 bytes of UTF-8');
  });

  it('takes the first of repeated query values', () => {
    expect(firstValue(['a', 'b'])).toBe('a');
    expect(firstValue('x')).toBe('x');
    expect(firstValue(undefined)).toBeUndefined();
  });
});

describe('raw path rewrite', () => {
  it('leaves paths without escapes untouched', () => {
    expect(keepPathRaw('/v1/cache/plain?ttl=1s')).toBe('/v1/cache/plain?ttl=1s');
    expect(keepPathRaw('/healthz')).toBe('/healthz');
  });

  it('escapes every % of the path, not of the query', () => {
    expect(keepPathRaw('/v1/cache/a%2Fb?q=%41')).toBe('/v1/cache/a%252Fb?q=%41');
    expect(keepPathRaw('/v1/cache/%ZZ')).toBe('/v1/cache/%25ZZ');
    expect(keepPathRaw('/x%41#frag%')).toBe('/x%2541#frag%');
  });

  it('turns an empty key into a segment the key decoder refuses', () => {
    expect(keepPathRaw('/v1/cache/')).toBe('/v1/cache/%25');
    expect(keepPathRaw('/v1/owners/?x=1')).toBe('/v1/owners/%25?x=1');
    expect(keepPathRaw('/v1/cache')).toBe('/v1/cache');
  });
});
