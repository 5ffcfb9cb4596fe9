// The bulk-load and join cells of bench/run.mjs: how the cost of a write and of a join grows with
// the data a cluster holds. Both loops are bounded in count and in time.
import { fileURLToPath } from 'node:url';
import { batchPutFailures, getJson, sleep } from './hypercache.mjs';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/**
 * Loads `items` × `valueBytes` values through POST /v1/cache/batch/put (`perBatch` items per request,
 * `inFlight` requests at once) and records when each `window` of items had been stored. Stops issuing
 * batches after `capMs` and reports what was done. Returns items/s of the first and the last full window.
 */
export async function bulkLoad(url, { items, perBatch = 1000, inFlight = 2, valueBytes = 100, window = 100_000, capMs, prefix = 'b', onWindow }) {
  const value = 'v'.repeat(valueBytes);
  const batches = Math.ceil(items / perBatch);
  const marks = [0]; // marks[i] = ms since t0 when i × window items were stored
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstFailure;
  let capped = false;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < batches) {
      if (Date.now() - t0 > capMs) { capped = true; return; }
      const b = next++;
      const list = [];
      for (let i = b * perBatch; i < Math.min(items, (b + 1) * perBatch); i++) list.push({ key: `${prefix}${String(i).padStart(7, '0')}`, value });
      // Items not stored (e.g. QUORUM_NOT_MET on a saturated machine) are counted, not fatal.
      const bad = await batchPutFailures(url, list);
      failed += bad.length;
      if (bad[0]) firstFailure ??= `${bad[0].code}: ${bad[0].error}`;
      done += list.length;
      while (done >= marks.length * window) {
        marks.push(Date.now() - t0);
        onWindow?.(marks.length - 1, window / ((marks.at(-1) - marks.at(-2)) / 1000));
      }
    }
  }));
  const seconds = (Date.now() - t0) / 1000;
  const rates = marks.slice(1).map((m, i) => Math.round(window / ((m - marks[i]) / 1000)));
  const first = rates[0] ?? null;
  const last = rates.at(-1) ?? null;
  return {
    items_requested: items, items_sent: done, items_failed: failed, first_failure: firstFailure ?? null, complete: done === items, capped, cap_seconds: capMs / 1000, seconds: round(seconds),
    window, items_per_s_overall: Math.round(done / seconds), items_per_s_first_window: first, items_per_s_last_window: last,
    last_over_first: first && last ? round(last / first) : null, items_per_s_by_window: rates,
  };
}

/** The number of `keys` whose owners (RF `rf`) include `nodeId` on a ring of `members`, computed with the server's own ring code. */
export async function ownedCount(keys, { nodeId, members, rf, vnodes = 64 }) {
  const { HashRing } = await import(`${DIST}core/ring/hash-ring.js`);
  const { loadXxHash64 } = await import(`${DIST}core/ring/xxhash64.js`);
  const ring = new HashRing(members, vnodes, await loadXxHash64());
  let n = 0;
  for (const key of keys) if (ring.owners(key, rf).includes(nodeId)) n++;
  return n;
}

export async function distMetrics(node) {
  return getJson(`${node.mgmtUrl}/dist/metrics`);
}

/** Polls `probe()` every `everyMs` until it returns a truthy value; undefined after `timeoutMs`. */
export async function pollUntil(probe, { timeoutMs, everyMs = 100 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

/** Polls the sum of RebalancedKeys over `nodes` until it has not moved for `quietMs` (at most `timeoutMs`). */
export async function settledRebalancedKeys(nodes, { quietMs = 3_000, timeoutMs = 60_000 } = {}) {
  const sum = async () => (await Promise.all(nodes.map(distMetrics))).reduce((s, d) => s + d.RebalancedKeys, 0);
  const deadline = Date.now() + timeoutMs;
  let last = await sum();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(500);
    const now = await sum();
    if (now !== last) { last = now; since = Date.now(); }
  }
  return last;
}

function round(x) { return Math.round(x * 100) / 100; }
