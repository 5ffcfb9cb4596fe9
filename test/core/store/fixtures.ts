import type { ItemEntry, TombstoneEntry } from '../../../src/core/store/entry.js';
import type { ApplySource, EvictionReason, ExpiryTrigger, StoreObserver } from '../../../src/core/store/store-events.js';
import { ManualClock } from '../../../src/core/time/clock.js';

export const T0 = 1_700_000_000_000;

export function item(key: string, value: string | Buffer, version: number, origin = 'n1', expiresAt = 0): ItemEntry {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return { kind: 'item', key, value: v, version, origin, updatedAt: T0, expiresAt };
}

export function tomb(key: string, version: number, origin = 'n1', deletedAt = T0): TombstoneEntry {
  return { kind: 'tombstone', key, version, origin, deletedAt };
}

/** A StoreObserver that remembers every call. */
export class RecordingObserver implements StoreObserver {
  readonly evictedKeys: { reason: EvictionReason; key: string }[] = [];
  readonly passes: { evicted: number; itemsAfter: number }[] = [];
  readonly expirations: { trigger: ExpiryTrigger; count: number }[] = [];
  readonly sweeps: { removed: number; itemsAfter: number }[] = [];
  purged = 0;
  readonly stale: ApplySource[] = [];
  readonly skipped: ApplySource[] = [];

  evicted(reason: EvictionReason, key: string): void {
    this.evictedKeys.push({ reason, key });
  }
  evictionPass(evicted: number, _durationNs: number, itemsAfter: number): void {
    this.passes.push({ evicted, itemsAfter });
  }
  expired(trigger: ExpiryTrigger, count: number): void {
    this.expirations.push({ trigger, count });
  }
  expirySweep(removed: number, _durationNs: number, itemsAfter: number): void {
    this.sweeps.push({ removed, itemsAfter });
  }
  purgedTombstones(count: number): void {
    this.purged += count;
  }
  staleApply(source: ApplySource): void {
    this.stale.push(source);
  }
  applySkipped(source: ApplySource): void {
    this.skipped.push(source);
  }
}

/** A manual clock whose high-resolution time also moves `stepNs` on every read, as if work between reads took that long. */
export class SlowHrClock extends ManualClock {
  private extra = 0n;
  constructor(private readonly stepNs: bigint, ms = T0) {
    super(ms);
  }
  override hrtimeNs(): bigint {
    this.extra += this.stepNs;
    return super.hrtimeNs() + this.extra;
  }
}
