import { describe, expect, it } from 'vitest';
import { TransportError } from '../../../src/core/replication/transport.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { pause, withDeadline, yieldToLoop } from '../../../src/core/time/deadline.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { T0 } from '../store/fixtures.js';

/** Settles-so-far of a promise, read without waiting for it. */
function watch<T>(p: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then((value) => Object.assign(state, { value, settled: true }), (error: unknown) => Object.assign(state, { error, settled: true }));
  return state;
}

const microtasks = () => new Promise<void>((r) => setImmediate(r));

describe('deadlines and deferred work on the manual scheduler (no real waiting)', () => {
  it('withDeadline rejects with a TransportError 50 ms after the peer timeout, not a millisecond earlier', async () => {
    const clock = new ManualClock(T0);
    const scheduler = new ManualScheduler(clock);
    const call = watch(withDeadline(new Promise<never>(() => {}), 2000, scheduler));
    expect(scheduler.pendingTimers).toBe(1);
    scheduler.advance(2049);
    await microtasks();
    expect(call.settled).toBe(false);
    scheduler.advance(1);
    await microtasks();
    expect(call.error).toBeInstanceOf(TransportError);
    expect((call.error as TransportError).message).toBe('timed out after 2000 ms');
    expect(clock.now() - T0).toBe(2050);
    expect(scheduler.pendingTimers).toBe(0);
  });

  it('withDeadline passes an answer through and cancels its timer', async () => {
    const scheduler = new ManualScheduler();
    expect(await withDeadline(Promise.resolve('answer'), 2000, scheduler)).toBe('answer');
    expect(scheduler.pendingTimers).toBe(0);
    const failed = watch(withDeadline(Promise.reject(new Error('refused')), 2000, scheduler));
    await microtasks();
    expect((failed.error as Error).message).toBe('refused');
    expect(scheduler.pendingTimers).toBe(0);
  });

  it('yieldToLoop resumes at the end of the event-loop turn, pause after its time', async () => {
    const scheduler = new ManualScheduler();
    const yielded = watch(yieldToLoop(scheduler));
    const paused = watch(pause(100, scheduler));
    await microtasks();
    expect([yielded.settled, paused.settled]).toEqual([false, false]);
    expect(scheduler.runDeferred()).toBe(1);
    await microtasks();
    expect([yielded.settled, paused.settled]).toEqual([true, false]);
    expect(scheduler.advance(99)).toBe(0);
    expect(scheduler.advance(1)).toBe(1);
    await microtasks();
    expect(paused.settled).toBe(true);
  });

  it('periodic timers fire on advance at their interval, in time order with one-shot timers', () => {
    const scheduler = new ManualScheduler();
    const fired: string[] = [];
    const stop = scheduler.every(100, () => fired.push('tick'));
    scheduler.after(150, () => fired.push('once'));
    expect(scheduler.advance(350)).toBe(4);
    expect(fired).toEqual(['tick', 'once', 'tick', 'tick']);
    stop();
    expect(scheduler.advance(1000)).toBe(0);
  });
});
