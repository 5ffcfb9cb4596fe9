import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, FAST_ENV, Cluster } from '../../support/cluster.js';
import { distMetrics, auth, client } from '../../support/http.js';
import { within, hold } from '../../support/poll.js';
import { sampleSum, scrapeNode } from '../../support/prom-text.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * I16 (docs/cluster.md §8.2): with one owner down (SIGKILL; HEARTBEAT 10 s keeps it on the ring, so every
 * write hints it), hints pending for it stay ≤ HINT_MAX_PER_NODE and hint bytes ≤ HINT_MAX_BYTES at
 * every sample, the caps drop the oldest hints, and hints expire after HINT_TTL.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const MAX_PER_NODE = 50;
/** The smallest legal value: MAX_VALUE_BYTES (1 KiB) + 1 KiB (docs/configuration.md §4). */
const MAX_BYTES = 2048;
const HINT_TTL_MS = 3000;

/** Batch bodies are limited to 4 × MAX_VALUE_BYTES (4 KiB here), so the items go in chunks. */
async function batchPut(n: ClusterNode, items: { key: string; value: string }[], chunk: number): Promise<number> {
  let stored = 0;
  for (let i = 0; i < items.length; i += chunk) stored += await batchPutOnce(n, items.slice(i, i + chunk));
  return stored;
}

async function batchPutOnce(n: ClusterNode, items: { key: string; value: string }[]): Promise<number> {
  const r = await fetch(`${client(n)}/v1/cache/batch/put`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { results: { stored: boolean; code?: string }[] };
  return body.results.filter((x) => x.stored).length;
}

describe('I16: hints are bounded and expire (3 nodes, RF 3, one owner down)', () => {
  const cluster = new Cluster();
  beforeAll(async () => {
    await cluster.boot(IDS, {
      ...FAST_ENV,
      HYPERCACHE_HEARTBEAT: '10s',
      HYPERCACHE_REPLICATION: '3',
      HYPERCACHE_MAX_VALUE_BYTES: '1KiB',
      HYPERCACHE_HINT_MAX_PER_NODE: String(MAX_PER_NODE),
      HYPERCACHE_HINT_MAX_BYTES: String(MAX_BYTES),
      HYPERCACHE_HINT_TTL: '3s',
    });
  }, 120_000);
  afterAll(killSpawnedNodes);

  it('pending ≤ HINT_MAX_PER_NODE, bytes ≤ HINT_MAX_BYTES at every sample; caps drop; hints expire', async () => {
    await cluster.kill('node-3');
    const live = cluster.up();
    const samples: string[] = [];
    const violations: string[] = [];
    let maxPending = 0;
    let maxBytes = 0;
    let sampling = true;
    const sampler = (async () => {
      for (let i = 0; sampling && i < 2000; i++) {
        for (const n of live) {
          const m = await distMetrics(n);
          maxPending = Math.max(maxPending, m.HintedPending!);
          maxBytes = Math.max(maxBytes, m.HintedBytes!);
          if (m.HintedPending! > MAX_PER_NODE || m.HintedBytes! > MAX_BYTES) violations.push(`${n.id}: pending ${m.HintedPending} bytes ${m.HintedBytes}`);
        }
        samples.push('');
        await hold(20, 'the sampling interval');
      }
    })();
    try {
      // Many small values: the per-target count cap bites first (200 × ~12 bytes < 2 KiB).
      const small = Array.from({ length: 200 }, (_, i) => ({ key: `h-${i}`, value: `v${i}` }));
      expect(await batchPut(live[0]!, small, 50)).toBe(200);
      // A few values near MAX_VALUE_BYTES: the byte cap bites (3 × ~900 bytes > 2 KiB).
      const large = Array.from({ length: 6 }, (_, i) => ({ key: `big-${i}`, value: 'x'.repeat(900) }));
      expect(await batchPut(live[1]!, large, 2)).toBe(6);
      await within('some hints pending', 5000, async () => (await Promise.all(live.map(distMetrics))).some((m) => m.HintedPending! > 0), 20);
    } finally {
      sampling = false;
      await sampler;
    }
    const prom = await Promise.all(live.map(scrapeNode));
    const dropped = (reason: string) => prom.reduce((s, p) => s + (sampleSum(p, 'hypercache_hints_dropped_total', { reason }) ?? 0), 0);
    const queued = (await Promise.all(live.map(distMetrics))).reduce((s, m) => s + m.HintedQueued!, 0);
    console.log(
      `[fault-report] hint bounds: ${samples.length} samples on 2 nodes; max HintedPending ${maxPending} (cap ${MAX_PER_NODE}), max HintedBytes ${maxBytes} (cap ${MAX_BYTES});` +
        ` queued ${queued}, dropped per_node_cap ${dropped('per_node_cap')}, bytes_cap ${dropped('bytes_cap')}`,
    );
    expect(violations.slice(0, 10)).toEqual([]);
    expect(samples.length).toBeGreaterThan(3);
    expect(dropped('per_node_cap')).toBeGreaterThan(0);
    expect(dropped('bytes_cap')).toBeGreaterThan(0);

    const expiredAt = await within('hints expired: pending back to 0 and HintedExpired > 0', HINT_TTL_MS + 5000, async () => {
      const ms = await Promise.all(live.map(distMetrics));
      return ms.every((m) => m.HintedPending === 0 && m.HintedBytes === 0) && ms.reduce((s, m) => s + m.HintedExpired!, 0) > 0;
    }, 100);
    const ms = await Promise.all(live.map(distMetrics));
    console.log(`[fault-report] hint expiry: pending 0 after ${expiredAt} ms more; HintedExpired ${ms.map((m) => m.HintedExpired).join('+')} (HINT_TTL ${HINT_TTL_MS} ms)`);
  }, 90_000);
});
