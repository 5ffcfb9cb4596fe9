import { TransportError } from '../replication/transport.js';

/** Rejects with a `TransportError` when `p` has not settled `ms` after the call (a transport can never hold a batch forever). */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportError('unknown', `timed out after ${ms} ms`)), ms + 50);
    timer.unref();
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** Lets the event loop run (I/O, timers) between chunks of a long scan. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
