import { afterEach, describe, expect, it } from 'vitest';
import { withLazyDateTimeFormat } from '../../src/bootstrap/lazy-date-time-format.js';

const Real = Intl.DateTimeFormat;
const OPTIONS: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', minute: 'numeric', second: 'numeric', timeZone: 'UTC' };
const WHEN = Date.UTC(2026, 11, 6, 8, 30, 15);

/** Counts the real formatters built, through the global that withLazyDateTimeFormat finds. */
function countingGlobal(): { built: () => number } {
  let built = 0;
  Intl.DateTimeFormat = new Proxy(Real, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>, newTarget) {
      built++;
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  return { built: () => built };
}

afterEach(() => {
  Intl.DateTimeFormat = Real;
});

describe('withLazyDateTimeFormat', () => {
  it('builds no real formatter for one constructed while loading, until it is used', async () => {
    const counter = countingGlobal();
    const counting = Intl.DateTimeFormat;
    const made = await withLazyDateTimeFormat(async () => new Intl.DateTimeFormat('en-US', OPTIONS));
    expect(counter.built()).toBe(0);
    expect(Intl.DateTimeFormat).toBe(counting);
    expect(made.format(WHEN)).toBe(new Real('en-US', OPTIONS).format(WHEN));
    expect(counter.built()).toBe(1);
    made.format(WHEN);
    expect(counter.built()).toBe(1);
  });

  it('answers as the real formatter with the same arguments does', async () => {
    const lazy = await withLazyDateTimeFormat(async () => [new Intl.DateTimeFormat(undefined, OPTIONS), new Intl.DateTimeFormat('de-DE', OPTIONS)]);
    const real = [new Real(undefined, OPTIONS), new Real('de-DE', OPTIONS)];
    for (const [i, f] of lazy.entries()) {
      const { format } = f; // the real getter returns a bound function
      expect(format(WHEN)).toBe(real[i]!.format(WHEN));
      expect(f.formatToParts(WHEN)).toEqual(real[i]!.formatToParts(WHEN));
      expect(f.formatRange(WHEN, WHEN + 86_400_000)).toBe(real[i]!.formatRange(WHEN, WHEN + 86_400_000));
      expect(f.formatRangeToParts(WHEN, WHEN + 3_600_000)).toEqual(real[i]!.formatRangeToParts(WHEN, WHEN + 3_600_000));
      expect(f.resolvedOptions()).toEqual(real[i]!.resolvedOptions());
    }
  });

  it('puts the real constructor back after loading, also when loading fails', async () => {
    await expect(
      withLazyDateTimeFormat(async () => {
        expect(Intl.DateTimeFormat).not.toBe(Real);
        throw new Error('module failed');
      }),
    ).rejects.toThrow('module failed');
    expect(Intl.DateTimeFormat).toBe(Real);
    expect(new Intl.DateTimeFormat('en-US', OPTIONS)).toBeInstanceOf(Real);
  });
});
