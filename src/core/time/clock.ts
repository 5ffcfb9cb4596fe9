/** Wall time in epoch milliseconds, injected so tests can drive time by hand. */
export interface Clock {
  now(): number;
  /** Monotonic high-resolution time in nanoseconds (durations only). */
  hrtimeNs(): bigint;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  hrtimeNs: () => process.hrtime.bigint(),
};

export class ManualClock implements Clock {
  private ns = 0n;
  constructor(private ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  hrtimeNs(): bigint {
    return this.ns;
  }
  advance(ms: number): void {
    this.ms += ms;
    this.ns += BigInt(Math.round(ms * 1e6));
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
