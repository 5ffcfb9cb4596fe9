/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;

/**
 * Timers and deferred work, injected so tests can run every timeout and every "next turn" by hand
 * (`test/support/manual-scheduler.ts`). Together with `systemClock` this is the only code in the core
 * that touches the runtime's timer APIs; no scheduler timer keeps the process alive on its own.
 */
export interface Scheduler {
  /** Calls `tick` every `intervalMs` until cancelled. */
  every(intervalMs: number, tick: () => void): Cancel;
  /** Calls `fn` once, `ms` from now, unless cancelled first. */
  after(ms: number, fn: () => void): Cancel;
  /** Calls `fn` on the next turn of the event loop, after the I/O already waiting (`setImmediate`). */
  defer(fn: () => void): void;
}

export const systemScheduler: Scheduler = {
  every(intervalMs, tick) {
    const t = setInterval(tick, intervalMs);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  defer(fn) {
    setImmediate(fn);
  },
};
