import { CacheError } from '../errors.js';
import type { CoreCounters } from '../metrics/core-counters.js';
import type { WriteOutcome } from '../node.types.js';
import type { Entry } from '../store/entry.js';

/**
 * The acks of one coordinated write (docs/cluster.md §4 steps 4–5): the local apply plus every
 * owner that confirmed, answered once `required` is met, or with `QUORUM_NOT_MET` once every
 * reply is in. A write keeps its own tally whether its entry travelled alone or in a `replicate`
 * carrying many writes; replies after the answer only count as sent.
 */
export class WriteTally {
  private answered = false;

  constructor(
    readonly entry: Entry,
    private readonly op: 'put' | 'delete',
    private readonly owners: string[],
    private readonly n: number,
    private readonly need: number,
    private acks: number,
    private pending: number,
    private readonly counters: CoreCounters,
    private readonly onAnswer: (result: WriteOutcome | CacheError) => void,
  ) {}

  /** A target confirmed (applied or stale). */
  ack(): void {
    this.pending--;
    if (!this.answered) this.acks++;
    this.settle();
  }

  /** A target failed or timed out. */
  fail(): void {
    this.pending--;
    this.counters.replicationFailures[this.op]++;
    this.settle();
  }

  /** Answers as soon as the acks allow: at once for a write the local apply already satisfies. */
  settle(): void {
    if (this.answered) return;
    const { counters, acks } = this;
    if (acks >= this.need) {
      this.answered = true;
      counters.dist.WriteAcks += acks;
      counters.replicationAcks[this.op] += acks;
      const expiresAt = this.entry.kind === 'item' ? this.entry.expiresAt : 0;
      this.onAnswer({ version: this.entry.version, acks, n: this.n, owners: this.owners, expiresAt });
    } else if (this.pending === 0) {
      this.answered = true;
      counters.dist.WriteAcks += acks;
      counters.replicationAcks[this.op] += acks;
      counters.dist.WriteQuorumFailures++;
      counters.quorumFailures.write++;
      const details = { version: this.entry.version, acks, n: this.n, owners: this.owners };
      this.onAnswer(new CacheError('QUORUM_NOT_MET', `write quorum not met: ${acks} of ${this.need} acks`, details));
    }
  }
}
