import { context, trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTracing } from '../../src/tracing/http-spans.js';
import { peerOp, traced } from '../../src/tracing/peer-spans.js';
import { parseTraceparent, traceHeaders } from '../../src/tracing/traceparent.js';
import { activeTracer, flushTracing, initTracing, shutdownTracing, tracingSettings } from '../../src/tracing/tracing.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, startOtlpReceiver } from './otlp-receiver.js';
import { hold } from '../support/poll.js';

/**
 * Tracing inside one process (scope of issue "Packaging and ecosystem"): server spans on
 * the three listeners, incoming `traceparent`, peer-call client spans and their propagation to the
 * peer's server span, all checked at a loopback OTLP/HTTP receiver.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const SECRET_KEY = 'tracing-secret-key';
const SECRET_VALUE = 'tracing-secret-value';

describe('W3C trace context', () => {
  it('parses a valid traceparent and refuses malformed ones', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-01`)).toMatchObject({ traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1, isRemote: true });
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-00`)?.traceFlags).toBe(0);
    for (const bad of [
      undefined,
      '',
      'garbage',
      `ff-${TRACE_ID}-${PARENT_ID}-01`,
      `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${PARENT_ID}-01-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
    // A later version may append fields.
    expect(parseTraceparent(`01-${TRACE_ID}-${PARENT_ID}-01-more`)?.traceId).toBe(TRACE_ID);
  });

  it('round-trips through traceHeaders, tracestate included', () => {
    const parsed = parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-01`, 'vendor=abc,other=1')!;
    expect(traceHeaders(parsed)).toEqual({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'vendor=abc,other=1' });
  });

  it('names peer operations after their dist path', () => {
    expect(peerOp('/peer/ping_req')).toBe('ping_req');
    expect(peerOp('/peer/join')).toBe('join');
    expect(peerOp('/health')).toBe('health');
  });
});

describe('tracing settings', () => {
  it('is off without an endpoint, or with OTEL_SDK_DISABLED', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('posts to <endpoint>/v1/traces with service name hypercache-server unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      endpoint: 'http://collector:4318',
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'hypercache-server',
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/otlp', OTEL_SERVICE_NAME: 'cache-eu' })?.tracesUrl).toBe('https://c/otlp/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c/otlp', OTEL_SERVICE_NAME: 'cache-eu' })?.serviceName).toBe('cache-eu');
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

describe('spans of a node (tracing on)', () => {
  let receiver: OtlpReceiver;
  let node: TestNode;
  let relay: FastifyInstance;
  let relayUrl: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const tracer = await initTracing({
      nodeId: 'node-test',
      version: '9.9.9-test',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'hypercache-trace-test' },
    });
    expect(tracer).toBeDefined();
    node = await startTestNode();

    // A stand-in for a client route whose handler calls a peer (no route of the node does yet):
    // reads its body, awaits, then calls the node's dist /health through the node's peer client.
    relay = Fastify();
    await installTracing(relay, 'relay', { config: { nodeId: 'relay' }, version: '0', logger: node.core.logger });
    relay.removeAllContentTypeParsers();
    relay.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    relay.post('/relay/:key', async (req) => {
      for await (const _chunk of req.body as AsyncIterable<Buffer>) void _chunk;
      await hold(5, 'an await inside the handler, so the span must survive async work');
      const reply = await node.core.peers.call(`127.0.0.1:${node.ports.dist}`, { method: 'GET', path: '/health', timeoutMs: 2000 });
      return { peer_status: reply.status };
    });
    relayUrl = await relay.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await relay?.close();
    await node?.stop();
    await shutdownTracing();
    await receiver?.close();
  });

  async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
    await flushTracing();
    const all = await receiver.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length >= count);
    return all.filter((s) => s.traceId === traceId);
  }

  it('the client API continues an incoming traceparent: PUT and GET are server spans, children of the caller', async () => {
    const traceparent = `00-${TRACE_ID}-${PARENT_ID}-01`;
    const put = await fetch(`${node.api}/v1/cache/${SECRET_KEY}`, { method: 'PUT', body: SECRET_VALUE, headers: { traceparent } });
    expect(put.status).toBe(200);
    const get = await fetch(`${node.api}/v1/cache/${SECRET_KEY}`, { headers: { traceparent } });
    expect(await get.text()).toBe(SECRET_VALUE);

    const spans = await spansOf(TRACE_ID, 2);
    const putSpan = spans.find((s) => s.name === 'PUT /v1/cache/:key')!;
    const getSpan = spans.find((s) => s.name === 'GET /v1/cache/:key')!;
    for (const [span, method] of [[putSpan, 'PUT'], [getSpan, 'GET']] as const) {
      expect(span, method).toBeDefined();
      expect(span.kind).toBe(SPAN_KIND_SERVER);
      expect(span.parentSpanId).toBe(PARENT_ID);
      expect(span.attributes).toEqual({
        'http.request.method': method,
        'http.route': '/v1/cache/:key',
        'http.response.status_code': 200,
        'hypercache.listener': 'client',
      });
      expect(span.resource).toMatchObject({ 'service.name': 'hypercache-trace-test', 'service.version': '9.9.9-test', 'hypercache.node_id': 'node-test' });
    }
    expect(putSpan.spanId).not.toBe(getSpan.spanId);
  });

  it('without a traceparent a request starts a new trace; errors and unmatched routes are spans too', async () => {
    const before = receiver.spans.length;
    const miss = await fetch(`${node.api}/v1/cache/never-written`, { headers: { traceparent: 'not-a-traceparent' } });
    expect(miss.status).toBe(404);
    const unknown = await fetch(`${node.api}/no/such/route`);
    expect(unknown.status).toBe(404);
    await flushTracing();
    const spans = (await receiver.waitFor((s) => s.length >= before + 2)).slice(before);
    const missSpan = spans.find((s) => s.name === 'GET /v1/cache/:key')!;
    expect(missSpan.parentSpanId).toBe('');
    expect(missSpan.traceId).not.toBe(TRACE_ID);
    expect(missSpan.attributes['http.response.status_code']).toBe(404);
    const unmatched = spans.find((s) => s.name === 'GET')!;
    expect(unmatched.attributes).toEqual({ 'http.request.method': 'GET', 'http.response.status_code': 404, 'hypercache.listener': 'client' });
  });

  it('management and dist requests are server spans of their listener', async () => {
    const parent = 'a1b2c3d4e5f60718';
    const traceId = '11112222333344445555666677778888';
    const stats = await fetch(`${node.mgmt}/stats`, { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    expect(stats.status).toBe(200);
    const health = await fetch(`${node.dist}/health`, { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    await health.body?.cancel();
    const spans = await spansOf(traceId, 2);
    expect(spans.find((s) => s.name === 'GET /stats')?.attributes).toMatchObject({ 'hypercache.listener': 'management', 'http.response.status_code': 200 });
    expect(spans.find((s) => s.name === 'GET /health')?.attributes).toMatchObject({ 'hypercache.listener': 'dist', 'http.route': '/health' });
    expect(spans.every((s) => s.parentSpanId === parent)).toBe(true);
  });

  it('a peer call is a client span under the active span, and the peer server span is its child', async () => {
    const root = trace.getTracer('test').startSpan('test-root');
    const reply = await context.with(trace.setSpan(context.active(), root), () =>
      node.core.peers.call(`127.0.0.1:${node.ports.dist}`, { method: 'GET', path: '/health', timeoutMs: 2000 }),
    );
    root.end();
    expect(reply.status).toBe(200);
    const traceId = root.spanContext().traceId;
    const spans = await spansOf(traceId, 3);
    const client = spans.find((s) => s.name === 'peer health')!;
    const server = spans.find((s) => s.name === 'GET /health')!;
    expect(client.kind).toBe(SPAN_KIND_CLIENT);
    expect(client.parentSpanId).toBe(root.spanContext().spanId);
    expect(client.attributes).toEqual({
      'hypercache.peer.op': 'health',
      'hypercache.peer.address': `127.0.0.1:${node.ports.dist}`,
      'http.response.status_code': 200,
    });
    expect(server.kind).toBe(SPAN_KIND_SERVER);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.attributes['hypercache.listener']).toBe('dist');
  });

  it('context follows the request through body reads and awaits: incoming → server span → peer client span → peer server span', async () => {
    const traceId = 'abcdefabcdefabcdefabcdefabcdef01';
    const r = await fetch(`${relayUrl}/relay/${SECRET_KEY}`, {
      method: 'POST',
      body: SECRET_VALUE,
      headers: { traceparent: `00-${traceId}-${PARENT_ID}-01` },
    });
    expect(await r.json()).toEqual({ peer_status: 200 });
    const spans = await spansOf(traceId, 3);
    const relaySpan = spans.find((s) => s.name === 'POST /relay/:key')!;
    const client = spans.find((s) => s.name === 'peer health')!;
    const server = spans.find((s) => s.name === 'GET /health')!;
    expect(relaySpan.parentSpanId).toBe(PARENT_ID);
    expect(relaySpan.attributes['hypercache.listener']).toBe('relay');
    expect(client.parentSpanId).toBe(relaySpan.spanId);
    expect(server.parentSpanId).toBe(client.spanId);
  });

  it('a failed peer call is a failed client span with an error type, never a message', async () => {
    const root = trace.getTracer('test').startSpan('failing-root');
    await expect(
      context.with(trace.setSpan(context.active(), root), () => traced('ping', () => Promise.reject(Object.assign(new Error(`refused ${SECRET_KEY}`), { code: 'ECONNREFUSED' })))),
    ).rejects.toThrow(/refused/);
    root.end();
    const spans = await spansOf(root.spanContext().traceId, 2);
    const client = spans.find((s) => s.name === 'peer ping')!;
    expect(client.status).toBe(2);
    expect(client.attributes['error.type']).toBe('ECONNREFUSED');
  });

  it('exports JSON to /v1/traces and never carries keys or values', async () => {
    await flushTracing();
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.method === 'POST' && r.path === '/v1/traces' && r.contentType === 'application/json')).toBe(true);
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(SECRET_KEY);
    expect(exported).not.toContain(SECRET_VALUE);
    expect(activeTracer()).toBeDefined();
  });
});
