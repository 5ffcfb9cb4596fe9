import type { ManualClock } from '../../src/core/time/clock.js';
import type { Cancel, Scheduler } from '../../src/core/time/scheduler.js';

interface Timer {
  /** Set for `every` timers; one-shot (`after`) timers have none. */
  intervalMs?: number;
  at: number;
  fn: () => void;
}

/**
 * A `Scheduler` that never starts a real timer and never waits: tests fire periodic ticks by hand
 * (`fire`), move time forward to run the timers that fall due (`advance`), and end an event-loop turn
 * (`runDeferred`). Given a `ManualClock`, its time is the clock's, so deadlines and wall time agree.
 */
export class ManualScheduler implements Scheduler {
  private readonly timers = new Set<Timer>();
  private deferred: Array<() => void> = [];
  private nowMs = 0;

  constructor(private readonly clock?: ManualClock) {}

  every(intervalMs: number, tick: () => void): Cancel {
    return this.add({ intervalMs, at: this.now() + intervalMs, fn: tick });
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.now() + Math.max(0, ms), fn });
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Intervals of the periodic timers currently registered. */
  get intervals(): number[] {
    return [...this.timers].flatMap((t) => (t.intervalMs === undefined ? [] : [t.intervalMs]));
  }

  /** One-shot timers still waiting (deadlines, retry waits). */
  get pendingTimers(): number {
    return [...this.timers].filter((t) => t.intervalMs === undefined).length;
  }

  /** Callbacks waiting for the next event-loop turn. */
  get pendingDeferred(): number {
    return this.deferred.length;
  }

  /** Fires every periodic timer with this interval once, off schedule; returns how many fired. */
  fire(intervalMs: number): number {
    const due = [...this.timers].filter((t) => t.intervalMs === intervalMs);
    for (const t of due) t.fn();
    return due.length;
  }

  /**
   * Ends one event-loop turn: runs the callbacks deferred so far, in order; callbacks they defer wait
   * for the next call. Returns how many ran.
   */
  runDeferred(): number {
    const turn = this.deferred;
    this.deferred = [];
    for (const fn of turn) fn();
    return turn.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, earliest first, each at
   * its own due time (the clock shows that time while it runs). Returns how many fired.
   */
  advance(ms: number): number {
    const end = this.now() + ms;
    let fired = 0;
    for (let t = this.nextDue(end); t; t = this.nextDue(end)) {
      this.moveTo(t.at);
      if (t.intervalMs === undefined) this.timers.delete(t);
      else t.at += Math.max(1, t.intervalMs);
      t.fn();
      fired++;
    }
    this.moveTo(end);
    return fired;
  }

  /**
   * Runs `p` to completion on manual time: ends an event-loop turn, then advances `stepMs`, until `p`
   * settles; fails once `maxMs` of manual time went by. Real time spent is only the microtasks and
   * I/O callbacks in between (a `setImmediate` per step), never a timer.
   */
  async drive<T>(p: Promise<T>, stepMs: number, maxMs: number): Promise<T> {
    let settled = false;
    p.then(() => (settled = true), () => (settled = true));
    for (let spent = 0; ; spent += stepMs) {
      await realTurn();
      this.runDeferred();
      await realTurn();
      if (settled) return p;
      if (spent >= maxMs) throw new Error(`still pending after ${maxMs} ms of manual time`);
      this.advance(stepMs);
    }
  }

  private add(timer: Timer): Cancel {
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  }

  private nextDue(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at)) next = t;
    return next;
  }

  /** The clock's wall time when there is one (a test may also advance it directly), else its own. */
  private now(): number {
    return this.clock ? this.clock.now() : this.nowMs;
  }

  private moveTo(ms: number): void {
    const step = ms - this.now();
    if (step <= 0) return;
    if (this.clock) this.clock.advance(step);
    else this.nowMs = ms;
  }
}

/** One real event-loop turn: pending microtasks and I/O callbacks run. */
function realTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
