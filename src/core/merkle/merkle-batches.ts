import type { Entry } from '../store/entry.js';
import { type BucketSelector, keyOrder, wireEntryBytes } from './merkle-wire.js';
import { compareUtf8 } from '../keys/utf8-order.js';

/**
 * Splits entries into consecutive batches of at most `maxCount` whose JSON stays within `budget`
 * bytes. An entry larger than the budget on its own still travels, alone (the dist limit leaves
 * room for any single entry).
 */
export function batchesBySize(entries: readonly Entry[], budget: number, maxCount: number): Entry[][] {
  const out: Entry[][] = [];
  let batch: Entry[] = [];
  let used = 0;
  for (const e of entries) {
    const size = wireEntryBytes(e);
    if (batch.length > 0 && (used + size > budget || batch.length >= maxCount)) {
      out.push(batch);
      batch = [];
      used = 0;
    }
    batch.push(e);
    used += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * One answer to an `entries` request: the selected buckets' entries in request order, each bucket
 * in key order from its cursor, until the next entry would pass `budget`. What was not sent comes
 * back as `remaining`; the answer always carries at least one entry or completes every bucket.
 */
export function pageOfBuckets(
  selectors: readonly BucketSelector[],
  entriesOf: (bucket: number) => Entry[],
  budget: number,
): { entries: Entry[]; remaining: BucketSelector[] } {
  const entries: Entry[] = [];
  let used = 0;
  for (const [i, sel] of selectors.entries()) {
    const after = sel.after;
    const list = entriesOf(sel.bucket).sort(keyOrder).filter((e) => after === undefined || compareUtf8(e.key, after) > 0);
    for (const [j, e] of list.entries()) {
      const size = wireEntryBytes(e);
      if (entries.length > 0 && used + size > budget) {
        const cursor = j > 0 ? list[j - 1]!.key : after;
        const here: BucketSelector = cursor === undefined ? { bucket: sel.bucket } : { bucket: sel.bucket, after: cursor };
        return { entries, remaining: [here, ...selectors.slice(i + 1)] };
      }
      entries.push(e);
      used += size;
    }
  }
  return { entries, remaining: [] };
}
