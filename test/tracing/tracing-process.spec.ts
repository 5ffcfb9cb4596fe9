import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killSpawnedNodes, nodeEnv, spawnNode } from '../support/spawn-node.js';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, startOtlpReceiver } from './otlp-receiver.js';
import { hold } from '../support/poll.js';

/**
 * Tracing of real node processes (`node dist/main.js`): switched on by OTEL_EXPORTER_OTLP_ENDPOINT
 * alone, resource attributes per node, and peer calls linked across processes (the caller's
 * `peer <op>` client span is the parent of the callee's dist server span).
 */

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

const receivers: OtlpReceiver[] = [];
async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  receivers.push(r);
  return r;
}

afterEach(async () => {
  await killSpawnedNodes();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A client span of one node whose remote child (a server span of another node) arrived too. */
function linkedPeerCall(spans: ReceivedSpan[]): { client: ReceivedSpan; server: ReceivedSpan } | undefined {
  for (const client of spans) {
    if (client.kind !== SPAN_KIND_CLIENT) continue;
    const server = spans.find(
      (s) => s.kind === SPAN_KIND_SERVER && s.parentSpanId === client.spanId && s.traceId === client.traceId && s.resource['hypercache.node_id'] !== client.resource['hypercache.node_id'],
    );
    if (server) return { client, server };
  }
  return undefined;
}

describe('tracing in node processes', () => {
  it('exports server spans with the node resource and links peer calls across nodes', async () => {
    const otlp = await receiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100', HYPERCACHE_LOG_LEVEL: 'info' };
    const a = await spawnNode(await nodeEnv({ HYPERCACHE_NODE_ID: 'trace-a', OTEL_SERVICE_NAME: 'hypercache-a', ...otel }));
    const b = await spawnNode(await nodeEnv({ HYPERCACHE_NODE_ID: 'trace-b', HYPERCACHE_SEEDS: `trace-a@127.0.0.1:${a.ports.dist}`, ...otel }));
    for (const node of [a, b]) {
      const line = node.stdout().split('\n').find((l) => l.includes('"tracing enabled"'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 'info', endpoint: otlp.url });
    }

    // An incoming traceparent on the client API (a ring lookup: it answers the same whatever the cluster does).
    const owners = await fetch(`http://127.0.0.1:${a.ports.client}/v1/owners/traced`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
    expect(owners.status).toBe(200);
    await owners.body?.cancel();
    const spans = await otlp.waitFor((s) => s.some((x) => x.traceId === TRACE_ID));
    const ownersSpan = spans.find((s) => s.traceId === TRACE_ID)!;
    expect(ownersSpan).toMatchObject({
      name: 'GET /v1/owners/:key',
      kind: SPAN_KIND_SERVER,
      parentSpanId: PARENT_ID,
      attributes: { 'http.request.method': 'GET', 'http.route': '/v1/owners/:key', 'http.response.status_code': 200, 'hypercache.listener': 'client' },
    });
    expect(ownersSpan.resource).toMatchObject({ 'service.name': 'hypercache-a', 'service.version': VERSION, 'hypercache.node_id': 'trace-a' });

    // B joins through A (and they ping and gossip): membership peer calls, traced on both sides.
    await otlp.waitFor((s) => linkedPeerCall(s) !== undefined, 15_000);
    const { client, server } = linkedPeerCall(otlp.spans)!;
    const op = String(client.attributes['hypercache.peer.op']);
    expect(client.name).toBe(`peer ${op}`);
    expect(['join', 'ping', 'ping_req', 'gossip']).toContain(op);
    expect(server.name).toBe(`POST ${String(server.attributes['http.route'])}`);
    expect(server.attributes['http.route']).toMatch(new RegExp(`/${op}$`));
    expect(server.attributes['hypercache.listener']).toBe('dist');
    expect(client.resource['hypercache.node_id']).not.toBe(server.resource['hypercache.node_id']);
    // Default service name when OTEL_SERVICE_NAME is unset.
    expect(otlp.spans.find((s) => s.resource['hypercache.node_id'] === 'trace-b')?.resource['service.name']).toBe('hypercache-server');

    b.kill('SIGTERM');
    a.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(await a.exited).toBe(0);
  });

  it('the shutdown sequence exports the spans still queued before the process exits', async () => {
    const otlp = await receiver();
    // A schedule delay far beyond the test: only the flush at shutdown can deliver the span.
    const node = await spawnNode(await nodeEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '600000' }));
    const traceId = 'feedfacefeedfacefeedfacefeedface';
    const me = await fetch(`http://127.0.0.1:${node.ports.client}/v1/me`, { headers: { traceparent: `00-${traceId}-${PARENT_ID}-01` } });
    expect(me.status).toBe(200);
    await me.body?.cancel();
    await hold(300, 'a window in which the queued span must not be exported before shutdown');
    expect(otlp.spans.some((s) => s.traceId === traceId)).toBe(false);
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const span = otlp.spans.find((s) => s.traceId === traceId);
    expect(span).toMatchObject({ name: 'GET /v1/me', parentSpanId: PARENT_ID, attributes: { 'hypercache.listener': 'client', 'http.response.status_code': 200 } });
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is exported, even with the SDK\'s own traces endpoint variable set', async () => {
    const otlp = await receiver();
    const env = await nodeEnv({
      HYPERCACHE_LOG_LEVEL: 'info',
      // A trap: an SDK that was installed anyway would read this one and post here.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const node = await spawnNode(env);
    const traceparent = `00-${TRACE_ID}-${PARENT_ID}-01`;
    for (const url of [`http://127.0.0.1:${node.ports.client}/v1/cache/k`, `http://127.0.0.1:${node.ports.management}/health`, `http://127.0.0.1:${node.ports.dist}/health`]) {
      const r = await fetch(url, { headers: { traceparent } });
      await r.body?.cancel();
    }
    await hold(500, 'ten schedule delays in which an exporter, were one installed, would post');
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(otlp.requests).toEqual([]);
    expect(node.stdout()).not.toContain('tracing');
  });
});
