import type { Scheduler } from '../time/scheduler.js';
import { TransportError } from './transport.js';

/**
 * A peer call's own deadline, enforced in the core as well, so a transport can never hold an answer
 * (or a batch) forever: rejects with a `TransportError` (phase `unknown`) shortly after `ms`.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, scheduler: Scheduler): Promise<T> {
  // One promise and one timer per call (not a race of two promises and a `finally`): every forwarded read pays it.
  return new Promise<T>((resolve, reject) => {
    const cancel = scheduler.after(ms + 50, () => reject(new TransportError('unknown', `timed out after ${ms} ms`)));
    p.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (err: unknown) => {
        cancel();
        reject(err);
      },
    );
  });
}
