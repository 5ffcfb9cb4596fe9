import { TransportError } from '../replication/transport.js';
import type { Cancel, Scheduler } from './scheduler.js';

/**
 * A peer call's own deadline, enforced in the core as well, so a transport can never hold an answer
 * (or a batch) forever: rejects with a `TransportError` (phase `unknown`) shortly after `ms`.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, scheduler: Scheduler): Promise<T> {
  let cancel: Cancel | undefined;
  const expired = new Promise<never>((_, reject) => {
    cancel = scheduler.after(ms + 50, () => reject(new TransportError('unknown', `timed out after ${ms} ms`)));
  });
  return Promise.race([p, expired]).finally(() => cancel?.());
}

/** Lets the event loop run (I/O, timers) between chunks of a long scan. */
export function yieldToLoop(scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.defer(resolve));
}

/** Resolves `ms` from now on the scheduler (a retry wait). */
export function pause(ms: number, scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.after(ms, resolve));
}
