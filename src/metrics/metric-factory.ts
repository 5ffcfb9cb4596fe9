import {
  Counter, type CounterConfiguration, Gauge, type GaugeConfiguration, Histogram, type HistogramConfiguration, register,
} from 'prom-client';

/** Latency buckets of docs/api.md §2.4, in seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/*
 * prom-client's registry is process-wide and throws on a second registration of a name. Several
 * nodes (tests) or apps share it, so a metric that already exists is reused.
 */

export function counter<T extends string>(cfg: CounterConfiguration<T>): Counter<T> {
  return (register.getSingleMetric(cfg.name) as Counter<T> | undefined) ?? new Counter(cfg);
}

export function gauge<T extends string>(cfg: GaugeConfiguration<T>): Gauge<T> {
  return (register.getSingleMetric(cfg.name) as Gauge<T> | undefined) ?? new Gauge(cfg);
}

export function histogram<T extends string>(cfg: HistogramConfiguration<T>): Histogram<T> {
  return (register.getSingleMetric(cfg.name) as Histogram<T> | undefined) ?? new Histogram(cfg);
}
