import { describe, expect, it } from 'vitest';
import {
  DurationSyntaxError,
  formatGoDuration,
  parseGoDuration,
  parseGoDurationNs,
} from '../../src/config/duration.js';

const NS = 1n;
const US = 1_000n * NS;
const MS = 1_000n * US;
const S = 1_000n * MS;
const M = 60n * S;
const H = 60n * M;
const MAX = (1n << 63n) - 1n;

// Cases from Go's time_test.go (parseDurationTests), in nanoseconds.
const validNs: Array<[string, bigint]> = [
  ['0', 0n],
  ['5s', 5n * S],
  ['30s', 30n * S],
  ['1478s', 1478n * S],
  ['-5s', -5n * S],
  ['+5s', 5n * S],
  ['-0', 0n],
  ['+0', 0n],
  ['5.0s', 5n * S],
  ['5.6s', 5n * S + 600n * MS],
  ['5.s', 5n * S],
  ['.5s', 500n * MS],
  ['1.0s', S],
  ['1.00s', S],
  ['1.004s', S + 4n * MS],
  ['1.0040s', S + 4n * MS],
  ['100.00100s', 100n * S + MS],
  ['10ns', 10n],
  ['11us', 11n * US],
  ['12µs', 12n * US],
  ['12μs', 12n * US],
  ['13ms', 13n * MS],
  ['14s', 14n * S],
  ['15m', 15n * M],
  ['16h', 16n * H],
  ['1.h', H],
  ['1.5h', H + 30n * M],
  ['3h30m', 3n * H + 30n * M],
  ['10.5s4m', 4n * M + 10n * S + 500n * MS],
  ['-2m3.4s', -(2n * M + 3n * S + 400n * MS)],
  ['1h2m3s4ms5us6ns', H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n],
  ['39h9m14.425s', 39n * H + 9n * M + 14n * S + 425n * MS],
  ['52763797000ns', 52n * S + 763797n * US],
  ['0.3333333333333333333h', 20n * M],
  ['9007199254740993ns', (1n << 53n) + 1n],
  ['9223372036854775807ns', MAX],
  ['9223372036854775.807us', MAX],
  ['9223372036854ms775us807ns', MAX],
  ['-9223372036854775808ns', -(1n << 63n)],
  ['-9223372036854775.808us', -(1n << 63n)],
  ['-9223372036854ms775us808ns', -(1n << 63n)],
  ['0.100000000000000000000h', 6n * M],
  ['0.830103483285477580700h', 49n * M + 48n * S + 372539827n],
];

const invalid: Array<[string, RegExp]> = [
  ['', /invalid duration/],
  ['1', /missing unit/],
  ['3', /missing unit/],
  ['00', /missing unit/],
  ['-', /invalid duration/],
  ['+', /invalid duration/],
  ['s', /invalid duration/],
  ['.', /invalid duration/],
  ['-.', /invalid duration/],
  ['.s', /invalid duration/],
  ['+.s', /invalid duration/],
  ['1x', /unknown unit "x"/],
  ['1d', /unknown unit "d"/],
  ['1S', /unknown unit "S"/],
  ['1 s', /unknown unit " s"/],
  [' 1s', /invalid duration/],
  ['1s ', /unknown unit "s "/],
  ['1s2', /missing unit/],
  ['1h-1s', /unknown unit "h-"/],
  ['--1s', /invalid duration/],
  ['1e3s', /unknown unit "e"/],
  ['9223372036854775808ns', /out of range/],
  ['9223372036854775.808us', /out of range/],
  ['9223372036854ms775us808ns', /out of range/],
  ['-9223372036854775809ns', /out of range/],
  ['99999999999999999999h', /out of range/],
  ['3000000h', /out of range/],
];

describe('parseGoDurationNs', () => {
  it.each(validNs)('parses %j', (input, expected) => {
    expect(parseGoDurationNs(input)).toBe(expected);
  });

  it.each(invalid)('rejects %j', (input, detail) => {
    expect(() => parseGoDurationNs(input)).toThrow(DurationSyntaxError);
    expect(() => parseGoDurationNs(input)).toThrow(detail);
  });
});

describe('parseGoDuration (whole milliseconds)', () => {
  it.each([
    ['250ms', 250],
    ['1s', 1000],
    ['1m30s', 90_000],
    ['2h45m', 9_900_000],
    ['1.5h', 5_400_000],
    ['10000us', 10],
    ['1999999ns', 1],
    ['999us', 0],
    ['-1.5ms', -1],
    ['-1s', -1000],
    ['87600h', 315_360_000_000],
    ['9223372036854775807ns', 9_223_372_036_854],
  ] as const)('%s → %d ms (truncated toward zero)', (input, ms) => {
    expect(parseGoDuration(input)).toBe(ms);
  });

  it('returns 0, not -0, for negative sub-millisecond input', () => {
    expect(Object.is(parseGoDuration('-0'), 0)).toBe(true);
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [100, '100ms'],
    [250, '250ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1001, '1.001s'],
    [1010, '1.01s'],
    [1500, '1.5s'],
    [3300, '3.3s'],
    [59_999, '59.999s'],
    [60_000, '1m0s'],
    [60_500, '1m0.5s'],
    [90_000, '1m30s'],
    [245_001, '4m5.001s'],
    [600_000, '10m0s'],
    [3_600_000, '1h0m0s'],
    [9_900_000, '2h45m0s'],
    [18_367_001, '5h6m7.001s'],
    [604_800_000, '168h0m0s'],
    [9_223_372_036_854, '2562047h47m16.854s'],
    [-250, '-250ms'],
    [-90_000, '-1m30s'],
    [-3_600_000, '-1h0m0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it.each(['250ms', '1s', '1m30s', '10m0s', '1h0m0s', '2h45m0s', '1m0.5s', '-4m5.001s'])(
    'round-trips %s',
    (text) => {
      expect(formatGoDuration(parseGoDuration(text))).toBe(text);
    },
  );

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])('rejects %d', (ms) => {
    expect(() => formatGoDuration(ms)).toThrow(RangeError);
  });
});
