import type { FastifyInstance } from 'fastify';
import type { ListenerName } from '../auth/scope.guard.js';
import { counter, histogram, LATENCY_BUCKETS } from './metric-factory.js';

/**
 * Counts every answered request of a listener (CONTRACT §5.9). `route` is the route template, so
 * keys never reach a label; requests no route matched are `unmatched`. Hijacked replies (the SSE
 * stream) never "respond" in Fastify's sense and are tracked by `hypercache_sse_subscribers` instead.
 */
export function installHttpMetrics(fastify: FastifyInstance, listener: ListenerName): void {
  const requests = counter({
    name: 'hypercache_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['listener', 'method', 'route', 'status'],
  });
  const duration = histogram({
    name: 'hypercache_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['listener', 'method', 'route'],
    buckets: LATENCY_BUCKETS,
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ listener, method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ listener, method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });
}
