// Bare Fastify baseline: the same PUT/GET routes as the client API over an in-memory Map, nothing else
// (no auth, metrics, tracing, replication). BENCH_PORT=0 picks a free port; the bound port is printed as
// `listening <port>` on stdout.
import Fastify from 'fastify';

const store = new Map();
const app = Fastify({ logger: false, keepAliveTimeout: 65_000, bodyLimit: 16 * 1024 * 1024 });
// Raw body for every content type, as the real server does.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

app.put('/v1/cache/:key', async (req, reply) => {
  const value = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  store.set(req.params.key, value);
  reply.header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify({ key: req.params.key, stored: true, bytes: value.length });
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
