/**
 * The one way tests wait: poll a condition against a deadline instead of sleeping. Each poll
 * interval is short, so a passing test finishes as soon as its condition holds, while the deadline
 * stays generous for a loaded CI machine.
 */

/**
 * Polls `check` every `pollMs` until it holds; resolves with the elapsed ms, or throws
 * `<what>: not within <timeoutMs> ms` (plus the last error `check` threw, if any).
 */
export async function within(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, pollMs = 20): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await pause(pollMs);
  }
}

/** Polls `probe` until it returns a value (not `undefined`) and resolves with it; same deadline rule as `within`. */
export async function valueWithin<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>, pollMs = 20): Promise<T> {
  let value: T | undefined;
  await within(what, timeoutMs, async () => (value = await probe()) !== undefined, pollMs);
  return value as T;
}

/** Resolves once `ms` of wall time have passed since `since` (a `Date.now()` reading): for TTLs that must lapse. */
export function elapsed(what: string, since: number, ms: number): Promise<number> {
  return within(what, ms + 5_000, () => Date.now() - since > ms, 1);
}

/**
 * Waits `ms` on purpose. Only for a wait that is the point of the test, e.g. a window in which
 * something must NOT happen, or the gap a load loop leaves between operations; `why` says which.
 */
export function hold(ms: number, why: string): Promise<void> {
  void why;
  return pause(ms);
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
