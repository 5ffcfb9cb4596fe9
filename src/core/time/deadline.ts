import { TransportError } from '../replication/transport.js';

/**
 * A peer call's own deadline, enforced in the core as well, so a transport can never hold an answer
 * (or a batch) forever: rejects with a `TransportError` (phase `unknown`) shortly after `ms`.
 */
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
