import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { aggregatedCounter, aggregatedHistogram } from '../../src/metrics/aggregated.js';

/** Lines of one metric's text exposition, as /metrics serves it. */
async function exposition(name: string): Promise<string[]> {
  return (await register.getSingleMetricAsString(name)).split('\n');
}

describe('pre-aggregated metrics (metrics/aggregated.ts)', () => {
  it('a histogram series exposes cumulative buckets, +Inf, sum and count in the Prometheus text format', async () => {
    const h = aggregatedHistogram('test_agg_latency_seconds', 'test latency', ['op'], [0.01, 0.1, 1]);
    const get = h.series('get');
    for (const v of [0.005, 0.01, 0.05, 0.5, 7]) get.observe(v);
    h.series('put').observe(0.2);
    const lines = await exposition('test_agg_latency_seconds');
    expect(lines.slice(0, 2)).toEqual(['# HELP test_agg_latency_seconds test latency', '# TYPE test_agg_latency_seconds histogram']);
    expect(lines).toContain('test_agg_latency_seconds_bucket{op="get",le="0.01"} 2'); // 0.01 falls in le=0.01 (upper bound inclusive)
    expect(lines).toContain('test_agg_latency_seconds_bucket{op="get",le="0.1"} 3');
    expect(lines).toContain('test_agg_latency_seconds_bucket{op="get",le="1"} 4');
    expect(lines).toContain('test_agg_latency_seconds_bucket{op="get",le="+Inf"} 5');
    const sum = lines.find((l) => l.startsWith('test_agg_latency_seconds_sum{op="get"} '));
    expect(Number(sum?.split(' ')[1])).toBeCloseTo(7.565, 9);
    expect(lines).toContain('test_agg_latency_seconds_count{op="get"} 5');
    expect(lines).toContain('test_agg_latency_seconds_bucket{op="put",le="0.1"} 0');
    expect(lines).toContain('test_agg_latency_seconds_count{op="put"} 1');
  });

  it('a series is looked up once by its label values and shared; a second registration of the name reuses the metric', async () => {
    const c = aggregatedCounter('test_agg_requests_total', 'test requests', ['method', 'status']);
    expect(c.series('GET', '200')).toBe(c.series('GET', '200'));
    c.series('GET', '200').inc();
    c.series('GET', '200').inc(2);
    aggregatedCounter('test_agg_requests_total', 'test requests', ['method', 'status']).series('GET', '404').inc();
    const lines = await exposition('test_agg_requests_total');
    expect(lines).toContain('# TYPE test_agg_requests_total counter');
    expect(lines).toContain('test_agg_requests_total{method="GET",status="200"} 3');
    expect(lines).toContain('test_agg_requests_total{method="GET",status="404"} 1');
  });

  it('a name already registered as another kind of metric is refused', () => {
    aggregatedCounter('test_agg_kind_total', 'kind', []);
    expect(() => aggregatedHistogram('test_agg_kind_total', 'kind', [], [1])).toThrow(/another type/);
  });
});
