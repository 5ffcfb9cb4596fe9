const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * A TTL as whole milliseconds: a number is taken as milliseconds, a string is a Go duration
 * (`90s`, `1h30m`, `250ms`), as the server's `?ttl=` query reads it. Throws RangeError on bad syntax.
 */
export function ttlMs(ttl: number | string): number {
  if (typeof ttl === 'number') {
    if (!Number.isInteger(ttl) || ttl < 0) throw new RangeError(`invalid ttl ${ttl}: expected whole milliseconds ≥ 0`);
    return ttl;
  }
  if (ttl === '0') return 0;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < ttl.length) {
    const start = PART.lastIndex;
    const m = PART.exec(ttl);
    if (!m || m.index !== start) throw new RangeError(`invalid ttl ${JSON.stringify(ttl)}: expected a duration such as 90s or 1h30m`);
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (ttl.length === 0) throw new RangeError('invalid ttl "": expected a duration such as 90s or 1h30m');
  return Math.round(ms);
}
