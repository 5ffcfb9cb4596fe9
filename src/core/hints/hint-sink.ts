import type { HintDropReason, HintSource } from '../metrics/core-counters.js';
import type { Entry } from '../store/entry.js';

/** The port the write path, rebalancing and handoff use to hand an undelivered entry to the hint queue. */
export interface HintSink {
  enqueue(target: string, entry: Entry, source: HintSource): void;
}

/** What the hint queue reports to metrics (CoreCounters has these methods; docs/operations.md lists the series). */
export interface HintObserver {
  hintQueued(source: HintSource): void;
  hintReplayed(source: HintSource): void;
  hintExpired(source: HintSource): void;
  hintDropped(source: HintSource, reason: HintDropReason): void;
  /** The queue's size now: hints and their bytes. */
  hintsPending(count: number, bytes: number): void;
}
