import type { ClusterNode } from './cluster.js';
import { get } from './http.js';
import { hold } from './poll.js';

/**
 * A bounded background reader: GETs known keys round-robin at a consistency level through the
 * current entry nodes and records every answer that is not 200 with the expected value.
 */
export class ReadProbe {
  reads = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(
    private readonly expected: Map<string, string>,
    private readonly entries: () => ClusterNode[],
    private readonly consistency = 'quorum',
    private readonly pauseMs = 5,
  ) {}

  start(deadlineMs: number, maxReads = 1_000_000): void {
    const keys = [...this.expected.keys()];
    const until = Date.now() + deadlineMs;
    this.done = (async () => {
      for (let i = 0; !this.stopped && i < maxReads && Date.now() < until; i++) {
        const list = this.entries();
        const n = list[i % list.length];
        const k = keys[(i * 7919) % keys.length]!;
        if (n) {
          this.reads++;
          const r = await get(n, k, this.consistency);
          if (r.status !== 200 || r.body !== this.expected.get(k)) this.failures.push(`${n.id}:${k}=${r.status} ${r.code ?? (r.body === undefined ? '' : 'wrong value')}`);
        }
        if (this.pauseMs) await hold(this.pauseMs, 'pacing between operations');
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  summary(): string {
    const byKind = new Map<string, number>();
    for (const f of this.failures) {
      const kind = f.slice(f.indexOf('=') + 1);
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    return `${this.reads} reads, ${this.failures.length} failed${byKind.size ? ` (${[...byKind].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`;
  }
}
