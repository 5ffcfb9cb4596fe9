// Bounded PUT load for the failover figure (run as its own process, pinned to the load CPU):
//   node failover-load.mjs <url> <token> <durationMs> <killAtMs> <connections> <valueBytes>
// Prints `BENCH_START` when the load begins (the harness SIGKILLs a node killAtMs later), then one
// `BENCH_JSON {...}` line: totals, errors, non-2xx by status, latency percentiles overall and per
// phase (before the kill, the 10 s after it, the rest), and a per-second timeline.
import { Pool } from 'undici';

const [url, token, durationMs, killAtMs, connections, valueBytes] = process.argv.slice(2);
const DURATION = Number(durationMs);
const KILL_AT = Number(killAtMs);
const WINDOW = 10_000;
const pool = new Pool(url, { connections: Number(connections), pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
const body = Buffer.alloc(Number(valueBytes), 'v');
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' };
const samples = []; // [startMs, latencyMs, status (0 = socket error)]
const t0 = performance.now();
process.stdout.write('BENCH_START\n');

async function worker(w) {
  let i = w * 997;
  while (performance.now() - t0 < DURATION) {
    const started = performance.now();
    let status = 0;
    try {
      const res = await pool.request({ method: 'PUT', path: `/v1/cache/fo-${i++ % 1000}`, body, headers });
      await res.body.dump();
      status = res.statusCode;
    } catch { status = 0; }
    samples.push([started - t0, performance.now() - started, status]);
  }
}

function summary(list) {
  const lat = list.map((s) => s[1]).sort((a, b) => a - b);
  const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] * 100) / 100 : null);
  const byStatus = {};
  for (const s of list) if (s[2] < 200 || s[2] > 299) byStatus[s[2] === 0 ? 'socket_error' : s[2]] = (byStatus[s[2] === 0 ? 'socket_error' : s[2]] ?? 0) + 1;
  const failed = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return { requests: list.length, failed, by_status: byStatus, p50_ms: pct(50), p99_ms: pct(99), max_ms: pct(100) };
}

await Promise.all(Array.from({ length: Number(connections) }, (_, w) => worker(w)));
await pool.close();
const timeline = [];
for (let s = 0; s * 1000 < DURATION; s++) {
  const bucket = samples.filter((x) => x[0] >= s * 1000 && x[0] < (s + 1) * 1000);
  timeline.push({ second: s, ...summary(bucket) });
}
const total = summary(samples);
process.stdout.write(`BENCH_JSON ${JSON.stringify({
  duration_ms: DURATION,
  kill_at_ms: KILL_AT,
  rps: Math.round(samples.length / (DURATION / 1000)),
  total,
  before_kill: summary(samples.filter((x) => x[0] < KILL_AT)),
  kill_window_10s: summary(samples.filter((x) => x[0] >= KILL_AT && x[0] < KILL_AT + WINDOW)),
  after_window: summary(samples.filter((x) => x[0] >= KILL_AT + WINDOW)),
  timeline,
})}\n`);
