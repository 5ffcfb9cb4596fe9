import { describe, expect, it } from 'vitest';
import { decodeKeySegment, isValidKey, MAX_KEY_BYTES } from '../../src/core/keys/key-codec.js';

describe('decodeKeySegment', () => {
  it('decodes with decodeURIComponent semantics', () => {
    for (const raw of ['plain', 'a%2Fb', 'sp%20ace', '%25', 'caf%C3%A9', '%F0%9F%98%80', 'a+b', "~!$&'()*,;=:@"]) {
      expect(decodeKeySegment(raw)).toBe(decodeURIComponent(raw));
    }
  });

  it('accepts exactly 1024 bytes and refuses 1025', () => {
    expect(decodeKeySegment('k'.repeat(MAX_KEY_BYTES))).toBe('k'.repeat(MAX_KEY_BYTES));
    expect(decodeKeySegment('k'.repeat(MAX_KEY_BYTES + 1))).toBeUndefined();
    expect(decodeKeySegment('%C3%A9'.repeat(512))).toBe('é'.repeat(512));
    expect(decodeKeySegment('%C3%A9'.repeat(512) + 'x')).toBeUndefined();
  });

  it.each(['', '%', '%2', '%ZZ', '%G0', 'a%', '%C3%28', '%FF', '%C0%AF', '%ED%A0%80', '%E2%82', 'é'])('refuses %j', (raw) => {
    expect(decodeKeySegment(raw)).toBeUndefined();
  });
});

describe('isValidKey', () => {
  it('accepts 1–1024 UTF-8 bytes', () => {
    expect(isValidKey('k')).toBe(true);
    expect(isValidKey('😀'.repeat(256))).toBe(true);
    expect(isValidKey('😀'.repeat(256) + 'x')).toBe(false);
  });

  it.each([['empty', ''], ['lone surrogate', 'a\uD800b'], ['number', 42], ['null', null], ['missing', undefined]])('refuses %s', (_name, key) => {
    expect(isValidKey(key)).toBe(false);
  });
});
