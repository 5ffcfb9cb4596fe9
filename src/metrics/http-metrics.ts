import type { FastifyInstance } from 'fastify';
import type { ListenerName } from '../auth/scope.guard.js';
import { aggregatedCounter, aggregatedHistogram, type CounterSeries, type HistogramSeries } from './aggregated.js';
import { LATENCY_BUCKETS } from './metric-factory.js';

/**
 * Counts every answered request of a listener (docs/api.md §2.4). `route` is the route template, so
 * keys never reach a label; requests no route matched are `unmatched`. Hijacked replies (the SSE
 * stream) never "respond" in Fastify's sense and are tracked by `hypercache_sse_subscribers` instead.
 * Series are pre-aggregated (aggregated.ts): one string key and one Map lookup per request.
 */
export function installHttpMetrics(fastify: FastifyInstance, listener: ListenerName): void {
  const requests = aggregatedCounter('hypercache_http_requests_total', 'HTTP requests by route and status', ['listener', 'method', 'route', 'status']);
  const duration = aggregatedHistogram(
    'hypercache_http_request_duration_seconds',
    'HTTP request latency',
    ['listener', 'method', 'route'],
    LATENCY_BUCKETS,
  );
  const series = new Map<string, { count: CounterSeries; latency: HistogramSeries }>();
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${req.method} ${status} ${route}`;
    let s = series.get(key);
    if (s === undefined) {
      s = { count: requests.series(listener, req.method, route, String(status)), latency: duration.series(listener, req.method, route) };
      series.set(key, s);
    }
    s.count.inc();
    s.latency.observe(reply.elapsedTime / 1000);
    done();
  });
}
