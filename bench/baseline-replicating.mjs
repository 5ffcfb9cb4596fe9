// Minimal replicating baseline: three bare Fastify processes. The entry node (BENCH_PEERS set to the two
// other processes' base URLs) stores each PUT locally, fans it out to both peers over undici keep-alive
// pools, and answers after all acks. Peers (BENCH_PEERS unset) just store. GET is served locally.
// BENCH_PORT=0 picks a free port; the bound port is printed as `listening <port>` on stdout.
import Fastify from 'fastify';
import { Pool } from 'undici';

const store = new Map();
const peers = (process.env.BENCH_PEERS ?? '').split(',').filter(Boolean)
  .map((url) => new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 }));
const app = Fastify({ logger: false, keepAliveTimeout: 65_000, bodyLimit: 16 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

async function replicate(pool, path, value) {
  const res = await pool.request({ method: 'PUT', path, body: value, headers: { 'content-type': 'application/octet-stream' } });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`peer answered ${res.statusCode}`);
}

app.put('/v1/cache/:key', async (req, reply) => {
  const value = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  store.set(req.params.key, value);
  await Promise.all(peers.map((p) => replicate(p, req.url, value)));
  reply.header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify({ key: req.params.key, stored: true, bytes: value.length, acks: 1 + peers.length });
});

app.get('/v1/cache/:key', async (req, reply) => {
  const value = store.get(req.params.key);
  if (value === undefined) {
    reply.code(404).header('content-type', 'application/json; charset=utf-8');
    return '{"error":"key not found","code":"NOT_FOUND"}';
  }
  reply.header('content-type', 'application/octet-stream');
  return value;
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
process.stdout.write(`listening ${new URL(address).port}\n`);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
