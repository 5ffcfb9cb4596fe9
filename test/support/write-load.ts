import type { ClusterNode } from './cluster.js';
import { get, put } from './http.js';
import { hold } from './poll.js';

/**
 * A bounded client write (and optional read) load that remembers, for every key, the value of its
 * last acknowledged (200) write and every value written after it (a write that got anything else may
 * or may not have been applied, so it is a *possible* final value too). Keys are split between
 * workers, so the writes to one key are sequential and "after" is well defined.
 */
export interface KeyRecord {
  acked?: string;
  /** The acked value plus every value written after it whose outcome is unknown. */
  possible: Set<string>;
}

export interface WriteLoadOptions {
  keys: string[];
  workers: number;
  /** Upper bound on writes per worker. */
  writesPerWorker: number;
  /** Entry nodes to use right now (the test removes nodes it is about to stop). */
  entries: () => ClusterNode[];
  consistency?: string;
  /** After every write, a read at this consistency of another key of the worker (omit for none). */
  readConsistency?: string;
  /** Pause between operations of one worker. */
  pauseMs?: number;
  /** Hard stop for the whole run. */
  deadlineMs: number;
}

export class WriteLoad {
  readonly records = new Map<string, KeyRecord>();
  /** Client-visible failures by `<op> <status> <code>`. */
  readonly errors = new Map<string, number>();
  acked = 0;
  attempted = 0;
  reads = 0;
  /** Reads that returned a value other than a possible one for an acked key (counted, not asserted). */
  staleReads = 0;
  private stopped = false;

  constructor(private readonly opts: WriteLoadOptions) {
    for (const k of opts.keys) this.records.set(k, { possible: new Set() });
  }

  stop(): void {
    this.stopped = true;
  }

  private count(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  /** Keys with an acknowledged write. */
  ackedKeys(): string[] {
    return [...this.records].filter(([, r]) => r.acked !== undefined).map(([k]) => k);
  }

  /** Whether `value` is an acceptable final value of an acked key. */
  accepts(key: string, value: string | undefined): boolean {
    const r = this.records.get(key)!;
    return value !== undefined && r.possible.has(value);
  }

  errorSummary(): string {
    return [...this.errors].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  }

  async run(): Promise<void> {
    const { keys, workers, writesPerWorker, entries, deadlineMs } = this.opts;
    const until = Date.now() + deadlineMs;
    let rr = 0;
    const pick = () => {
      const list = entries();
      return list.length === 0 ? undefined : list[rr++ % list.length];
    };
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      const mine = keys.filter((_, i) => i % workers === w);
      for (let seq = 0; seq < writesPerWorker && !this.stopped && Date.now() < until; seq++) {
        const key = mine[(seq * 7 + w) % mine.length]!;
        const value = `${key}|w${w}|s${seq}`;
        const n = pick();
        if (!n) break;
        const rec = this.records.get(key)!;
        this.attempted++;
        const r = await put(n, key, value, this.opts.consistency ?? 'quorum');
        if (r.status === 200) {
          this.acked++;
          rec.acked = value;
          rec.possible = new Set([value]);
        } else {
          this.count(`put ${r.status} ${r.code ?? ''}`.trim());
          if (rec.acked !== undefined) rec.possible.add(value);
        }
        if (this.opts.readConsistency) {
          const rk = mine[(seq * 13 + 3) % mine.length]!;
          const rn = pick();
          if (rn) {
            this.reads++;
            const g = await get(rn, rk, this.opts.readConsistency);
            if (g.status !== 200 && !(g.status === 404 && this.records.get(rk)!.acked === undefined)) this.count(`get ${g.status} ${g.code ?? ''}`.trim());
            else if (g.status === 200 && this.records.get(rk)!.acked !== undefined && !this.accepts(rk, g.body)) this.staleReads++;
          }
        }
        if (this.opts.pauseMs) await hold(this.opts.pauseMs, 'pacing between operations');
      }
    }));
  }
}
