/**
 * Go duration syntax (time.ParseDuration / Duration.String), docs/configuration.md §2.
 * Parsing is done in BigInt nanoseconds, as Go does in int64, so overflow and fractions behave the same.
 */
export class DurationSyntaxError extends Error {
  override readonly name = 'DurationSyntaxError';
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 1n << 63n;
const NS_PER_MS = 1_000_000n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration to nanoseconds, exactly as Go's time.ParseDuration. */
export function parseGoDurationNs(input: string): bigint {
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new DurationSyntaxError('invalid duration');

  let total = 0n;
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '.' && !isDigit(s[i])) throw new DurationSyntaxError('invalid duration');

    const intStart = i;
    let value = 0n;
    while (isDigit(s[i])) {
      value = value * 10n + BigInt(s.charCodeAt(i) - 48);
      if (value > LIMIT) throw new DurationSyntaxError('duration out of range');
      i++;
    }
    const hasInt = i > intStart;

    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      let fracOverflow = false;
      while (isDigit(s[i])) {
        // Go keeps consuming digits after overflow but ignores them.
        const next = fraction * 10n + BigInt(s.charCodeAt(i) - 48);
        if (!fracOverflow && next <= LIMIT) {
          fraction = next;
          scale *= 10;
        } else {
          fracOverflow = true;
        }
        i++;
      }
      hasFraction = i > fracStart;
    }
    if (!hasInt && !hasFraction) throw new DurationSyntaxError('invalid duration');

    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    if (i === unitStart) throw new DurationSyntaxError('missing unit');
    const unitName = s.slice(unitStart, i);
    const unit = UNIT_NS[unitName];
    if (unit === undefined) throw new DurationSyntaxError(`unknown unit ${JSON.stringify(unitName)}`);

    if (value > LIMIT / unit) throw new DurationSyntaxError('duration out of range');
    value *= unit;
    if (fraction > 0n) {
      // Same float64 arithmetic as Go: float64(f) * (float64(unit) / scale), truncated.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) throw new DurationSyntaxError('duration out of range');
    }
    total += value;
    if (total > LIMIT) throw new DurationSyntaxError('duration out of range');
  }
  if (negative) return -total;
  if (total > LIMIT - 1n) throw new DurationSyntaxError('duration out of range');
  return total;
}

/** Parses a Go duration and truncates it (toward zero) to whole milliseconds. */
export function parseGoDuration(input: string): number {
  return Number(parseGoDurationNs(input) / NS_PER_MS);
}

/** Renders whole milliseconds exactly as Go's Duration.String(): `250ms`, `1.5s`, `1m30s`, `1h0m0s`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not a whole number of milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs}ms`;

  const millis = abs % 1000;
  const totalSeconds = Math.floor(abs / 1000);
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0').replace(/0+$/, '')}`;
  const seconds = `${totalSeconds % 60}${fraction}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes === 0) return sign + seconds;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = `${totalMinutes % 60}m`;
  return hours === 0 ? sign + minutes + seconds : `${sign}${hours}h${minutes}${seconds}`;
}
