import type { Scheduler } from '../../src/core/time/loop.js';

interface Timer {
  intervalMs: number;
  tick: () => void;
}

/** A `Scheduler` that never starts a real timer: tests fire the registered ticks by hand. */
export class ManualScheduler {
  private readonly timers = new Set<Timer>();

  readonly schedule: Scheduler = (intervalMs, tick) => {
    const timer = { intervalMs, tick };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  };

  /** Intervals of the timers currently registered. */
  get intervals(): number[] {
    return [...this.timers].map((t) => t.intervalMs);
  }

  /** Fires every registered timer with this interval once; returns how many fired. */
  fire(intervalMs: number): number {
    const due = [...this.timers].filter((t) => t.intervalMs === intervalMs);
    for (const t of due) t.tick();
    return due.length;
  }
}
