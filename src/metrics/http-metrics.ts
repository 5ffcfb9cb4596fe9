import type { FastifyInstance } from 'fastify';
import type { ListenerName } from '../auth/scope.guard.js';
import { aggregatedCounter, aggregatedHistogram, type CounterSeries, type HistogramSeries } from './aggregated.js';
import { LATENCY_BUCKETS } from './metric-factory.js';

/**
 * The HTTP request metrics of one listener (docs/api.md §2.4): `hypercache_http_requests_total`
 * by method, route template and status, and the latency histogram by method and route. `route` is
 * the route template, so keys never reach a label; requests no route matched are `unmatched`.
 * Series are pre-aggregated (aggregated.ts): one string key and one Map lookup per request.
 */
export class HttpMetrics {
  private readonly requests = aggregatedCounter('hypercache_http_requests_total', 'HTTP requests by route and status', ['listener', 'method', 'route', 'status']);
  private readonly duration = aggregatedHistogram('hypercache_http_request_duration_seconds', 'HTTP request latency', ['listener', 'method', 'route'], LATENCY_BUCKETS);
  private readonly series = new Map<string, { count: CounterSeries; latency: HistogramSeries }>();

  constructor(private readonly listener: ListenerName) {}

  /** Counts one answered request that took `seconds` from routing to the end of the answer. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { count: this.requests.series(this.listener, method, route, String(status)), latency: this.duration.series(this.listener, method, route) };
      this.series.set(key, s);
    }
    s.count.inc();
    s.latency.observe(seconds);
  }
}

/**
 * Counts every request Fastify answers on a listener, from its `onResponse` hook. Hijacked replies
 * (the SSE stream) never "respond" in Fastify's sense and are tracked by
 * `hypercache_sse_subscribers` instead. Returns the recorder, which the hot routes answered from
 * the raw request handler share (src/cache/client-fast-path.ts).
 */
export function installHttpMetrics(fastify: FastifyInstance, listener: ListenerName): HttpMetrics {
  const metrics = new HttpMetrics(listener);
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics.record(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  return metrics;
}
