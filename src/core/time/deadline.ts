import type { Scheduler } from './scheduler.js';

/** Lets the event loop run (I/O, timers) between chunks of a long scan. */
export function yieldToLoop(scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.defer(resolve));
}

/** Resolves `ms` from now on the scheduler (a retry wait). */
export function pause(ms: number, scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.after(ms, resolve));
}
