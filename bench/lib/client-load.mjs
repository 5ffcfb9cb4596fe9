// Bounded mixed GET/PUT load for the routing-client cell (run as its own process, pinned to the load CPU):
//   node client-load.mjs <client|entry> <endpoints,comma,separated> <token> <durationMs> <concurrency> <valueBytes> <keyCount> <prefix> <getPercent>
// `entry` sends every request to the first endpoint (one entry node, keep-alive undici Pool);
// `client` sends them through @hypercache/client, which routes each key to its primary owner.
// Prints `BENCH_START` when the load begins, then one `BENCH_JSON {...}` line.
import { HypercacheClient } from '@hypercache/client';
import { Pool } from 'undici';

const [mode, endpointList, token, durationMs, concurrency, valueBytes, keyCount, prefix, getPercent] = process.argv.slice(2);
const endpoints = endpointList.split(',');
const DURATION = Number(durationMs);
const KEYS = Number(keyCount);
const GET_SHARE = Number(getPercent) / 100;
const body = Buffer.alloc(Number(valueBytes), 'v');
const headers = { authorization: `Bearer ${token}` };
const samples = []; // [latencyMs, ok]

let op;
let close;
if (mode === 'entry') {
  const pool = new Pool(endpoints[0], { connections: Number(concurrency), pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  op = async (get, key) => {
    const path = `/v1/cache/${encodeURIComponent(key)}`;
    const res = get
      ? await pool.request({ method: 'GET', path, headers })
      : await pool.request({ method: 'PUT', path, headers: { ...headers, 'content-type': 'application/octet-stream' }, body });
    await res.body.arrayBuffer();
    return res.statusCode === 200;
  };
  close = () => pool.close();
} else if (mode === 'client') {
  const client = new HypercacheClient({ endpoints, token, connectionsPerNode: Number(concurrency) });
  await client.connect();
  op = async (get, key) => (get ? (await client.get(key)) !== undefined : (await client.put(key, body)).version > 0);
  close = () => client.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}

const t0 = performance.now();
process.stdout.write('BENCH_START\n');
await Promise.all(Array.from({ length: Number(concurrency) }, async (_, w) => {
  let i = w * 7919;
  while (performance.now() - t0 < DURATION) {
    i = (i * 1103515245 + 12345) & 0x7fffffff;
    const key = `${prefix}${i % KEYS}`;
    const started = performance.now();
    let ok = false;
    try {
      ok = await op((i >>> 8) % 100 < GET_SHARE * 100, key);
    } catch {
      ok = false;
    }
    samples.push([performance.now() - started, ok]);
  }
}));
const elapsed = performance.now() - t0;
await close();
const lat = samples.map((s) => s[0]).sort((a, b) => a - b);
const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] * 100) / 100 : null);
process.stdout.write(`BENCH_JSON ${JSON.stringify({
  mode,
  requests: samples.length,
  failed: samples.filter((s) => !s[1]).length,
  rps: Math.round(samples.length / (elapsed / 1000)),
  p50_ms: pct(50),
  p99_ms: pct(99),
})}\n`);
