import { describe, expect, it } from 'vitest';
import { SizeSyntaxError, parseSize } from '../../src/config/size.js';

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['1024', 1024],
    ['007', 7],
    ['1KiB', 1024],
    ['1kib', 1024],
    ['1KIB', 1024],
    ['4MiB', 4 * 1024 * 1024],
    ['64mib', 64 * 1024 * 1024],
    ['1GiB', 1024 ** 3],
    ['0GiB', 0],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['8388607GiB', 8388607 * 1024 ** 3],
  ] as const)('%s → %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([
    '',
    'KiB',
    '1.5MiB',
    '1 MiB',
    ' 1',
    '1 ',
    '-1',
    '+1',
    '1KB',
    '1MB',
    '1K',
    '1TiB',
    '1e3',
    '0x10',
    '9007199254740992',
    '8796093022208KiB',
    '99999999999999999999999',
  ])('rejects %j', (input) => {
    expect(() => parseSize(input)).toThrow(SizeSyntaxError);
  });
});
