import type { Entry } from '../store/entry.js';

/** Where a hint comes from (CONTRACT §6.8): a failed replicate, a failed migration, a failed leave handoff. */
export type HintSource = 'replication' | 'migration' | 'handoff';

/** Why a hint left the queue without being delivered or expiring (CONTRACT §5.9). */
export type HintDropReason = 'per_node_cap' | 'bytes_cap' | 'member_leaving' | 'shutdown';

/** The port the write path, rebalancing and handoff use to hand an undelivered entry to the hint queue. */
export interface HintSink {
  enqueue(target: string, entry: Entry, source: HintSource): void;
}
