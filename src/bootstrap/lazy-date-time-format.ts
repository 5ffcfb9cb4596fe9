/**
 * Loads the server's modules with `Intl.DateTimeFormat` constructing on first use
 * (docs/operations.md, memory sizing). @nestjs/common builds two date formatters when its logger
 * modules are evaluated, for its console logger's timestamps; this server logs through pino, so
 * they are never used, but constructing one makes ICU load its locale and calendar data and pattern
 * generator: ≈ 7 MiB of an idle node's RSS (node binary pages and native memory; bench/PROFILE.md
 * "Issue 18: idle RSS, second pass"). While `load` runs, `Intl.DateTimeFormat` is a stand-in
 * whose instances build the real formatter, with the same arguments, the first time one of its
 * methods is called; afterwards the global is the real constructor again.
 */
export async function withLazyDateTimeFormat<T>(load: () => Promise<T>): Promise<T> {
  const Real = Intl.DateTimeFormat;
  Intl.DateTimeFormat = lazyDateTimeFormat(Real);
  try {
    return await load();
  } finally {
    Intl.DateTimeFormat = Real;
  }
}

type Args = ConstructorParameters<typeof Intl.DateTimeFormat>;
type DateArg = Date | number | undefined;

function lazyDateTimeFormat(Real: typeof Intl.DateTimeFormat): typeof Intl.DateTimeFormat {
  class LazyDateTimeFormat {
    readonly #args: Args;
    #real: Intl.DateTimeFormat | undefined;

    constructor(...args: Args) {
      this.#args = args;
    }

    #formatter(): Intl.DateTimeFormat {
      return (this.#real ??= new Real(...this.#args));
    }

    /** A bound function, as the real `format` getter returns. */
    get format(): Intl.DateTimeFormat['format'] {
      return this.#formatter().format;
    }

    formatToParts(date?: DateArg): Intl.DateTimeFormatPart[] {
      return this.#formatter().formatToParts(date);
    }

    formatRange(start: Date | number, end: Date | number): string {
      return this.#formatter().formatRange(start, end);
    }

    formatRangeToParts(start: Date | number, end: Date | number): ReturnType<Intl.DateTimeFormat['formatRangeToParts']> {
      return this.#formatter().formatRangeToParts(start, end);
    }

    resolvedOptions(): Intl.ResolvedDateTimeFormatOptions {
      return this.#formatter().resolvedOptions();
    }

    static supportedLocalesOf(...args: Parameters<typeof Intl.DateTimeFormat.supportedLocalesOf>): string[] {
      return Real.supportedLocalesOf(...args);
    }
  }
  return LazyDateTimeFormat as unknown as typeof Intl.DateTimeFormat;
}
