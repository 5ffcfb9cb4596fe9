import type { Clock } from '../time/clock.js';

/** Ahead-of-wall-time threshold above which a received version is reported as clock skew. */
export const SKEW_WARN_MS = 10_000;

/**
 * Hybrid logical clock packed into one integer: physical_ms × 1000 + logical (docs/cluster.md §6).
 * Versions issued by one node strictly increase; a logical overflow carries into the physical part.
 */
export class HybridLogicalClock {
  private last = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onSkew: (aheadMs: number) => void = () => {},
  ) {}

  next(): number {
    this.last = Math.max(this.clock.now() * 1000, this.last + 1);
    return this.last;
  }

  observe(version: number): void {
    if (version > this.last) this.last = version;
    const ahead = Math.floor(version / 1000) - this.clock.now();
    if (ahead > SKEW_WARN_MS) this.onSkew(ahead);
  }

  current(): number {
    return this.last;
  }
}
