import { register } from 'prom-client';

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}
interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

/** One histogram series: plain numbers, so an observation is a bucket search and three additions. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** One counter series. */
export class CounterSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/**
 * A labelled metric whose series are pre-aggregated in plain objects and turned into samples only
 * when the registry is scraped. prom-client's own `observe(labels, v)` / `inc(labels)` hash the
 * label object on every call, which was measurable on the per-request path (bench/PROFILE.md);
 * here a caller looks a series up once (`series(...)`, keyed by the label values) and keeps it, or
 * looks it up by a short string key. Registered in prom-client's default registry like any metric,
 * and exposed in the same text format.
 */
abstract class Aggregated<S> {
  readonly aggregator = 'sum';
  private readonly bySeries = new Map<string, { labels: Labels; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series of these label values, given in `labelNames` order. */
  series(...values: string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let entry = this.bySeries.get(key);
    if (entry === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      entry = { labels, series: this.create() };
      this.bySeries.set(key, entry);
    }
    return entry.series;
  }

  reset(): void {
    this.bySeries.clear();
  }

  get(): Promise<MetricData> {
    const values: Sample[] = [];
    for (const { labels, series } of this.bySeries.values()) this.samples(labels, series, values);
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  protected abstract readonly type: 'counter' | 'histogram';
  protected abstract create(): S;
  protected abstract samples(labels: Labels, series: S, out: Sample[]): void;
}

export class AggregatedCounter extends Aggregated<CounterSeries> {
  protected readonly type = 'counter';

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  protected samples(labels: Labels, s: CounterSeries, out: Sample[]): void {
    out.push({ labels, value: s.value });
  }
}

export class AggregatedHistogram extends Aggregated<HistogramSeries> {
  protected readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  protected samples(labels: Labels, s: HistogramSeries, out: Sample[]): void {
    let acc = 0;
    this.bounds.forEach((le, i) => {
      acc += s.counts[i]!;
      out.push({ labels: { ...labels, le: String(le) }, value: acc, metricName: `${this.name}_bucket` });
    });
    out.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
    out.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
    out.push({ labels, value: s.count, metricName: `${this.name}_count` });
  }
}

/*
 * The registry is process-wide and refuses a second registration of a name; several nodes (tests)
 * or apps share it, so a metric that already exists is reused (as in metric-factory.ts).
 */

export function aggregatedCounter(name: string, help: string, labelNames: readonly string[]): AggregatedCounter {
  return reuse(name, AggregatedCounter) ?? registered(new AggregatedCounter(name, help, labelNames));
}

export function aggregatedHistogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): AggregatedHistogram {
  return reuse(name, AggregatedHistogram) ?? registered(new AggregatedHistogram(name, help, labelNames, bounds));
}

function reuse<T>(name: string, cls: abstract new (...args: never[]) => T): T | undefined {
  const existing = register.getSingleMetric(name) as unknown;
  if (existing === undefined) return undefined;
  if (!(existing instanceof cls)) throw new Error(`metric ${name} is already registered with another type`);
  return existing;
}

function registered<T>(metric: T): T {
  register.registerMetric(metric as never);
  return metric;
}
