/** Per-stat sample windows for GET /stats (docs/api.md §2.2): the last `window` samples of each stat. */
export type StatName =
  | 'eviction_loop_count'
  | 'eviction_loop_duration'
  | 'evicted_item_count'
  | 'item_evicted_count'
  | 'expiration_loop_count'
  | 'expiration_loop_duration'
  | 'expired_item_count'
  | 'item_expired_count'
  | 'item_count'
  | 'expiration_trigger_coalesced';

export interface StatSummary {
  Mean: number;
  Median: number;
  Min: number;
  Max: number;
  Values: number[];
  Count: number;
  Sum: number;
  Variance: number;
}

class Ring {
  private readonly buf: number[] = [];
  private next = 0;
  constructor(private readonly cap: number) {}
  push(v: number): void {
    if (this.buf.length < this.cap) this.buf.push(v);
    else this.buf[this.next] = v;
    this.next = (this.next + 1) % this.cap;
  }
  values(): number[] {
    return [...this.buf];
  }
}

export class StatsRecorder {
  private readonly stats = new Map<StatName, Ring>();

  constructor(private readonly window = 4096) {}

  record(name: StatName, value: number): void {
    let r = this.stats.get(name);
    if (!r) this.stats.set(name, (r = new Ring(this.window)));
    r.push(value);
  }

  /** Summaries of every stat that has samples; a fresh node returns {}. */
  snapshot(): Record<string, StatSummary> {
    const out: Record<string, StatSummary> = {};
    for (const [name, ring] of this.stats) {
      const values = ring.values().sort((a, b) => a - b);
      if (values.length === 0) continue;
      const count = values.length;
      const sum = values.reduce((a, b) => a + b, 0);
      const mean = sum / count;
      const mid = count >> 1;
      const median = count % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / count;
      out[name] = { Mean: mean, Median: median, Min: values[0]!, Max: values[count - 1]!, Values: values, Count: count, Sum: sum, Variance: variance };
    }
    return out;
  }
}
