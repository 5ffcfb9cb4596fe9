import type { Consistency } from '../config/config.types.js';
import type { Listener, MemberView } from './events.js';
import type { MemberState } from './membership/member-table.js';
import type { MerkleRequest, MerkleResponse } from './merkle/merkle-wire.js';
import type { CoreCounters, LatencySink } from './metrics/core-counters.js';
import type { DistMetrics } from './metrics/dist-metrics.js';
import type { DeleteCommand, ListKeysQuery, ListKeysResult, NOT_LOCAL, PutCommand, WriteOutcome, WriteResult } from './node.types.js';
import type { CoordinateRequest, ReplicateResult, ReplicateSource } from './replication/wire.js';
import type { StatSummary } from './stats/stats-recorder.js';
import type { Entry, ItemEntry } from './store/entry.js';

/** The counts of `CoreCounters`, read only (no methods, no latency sink). */
export type CounterReadings = Omit<
  { readonly [K in keyof CoreCounters as CoreCounters[K] extends (...args: never[]) => unknown ? never : K]: CoreCounters[K] },
  'latency'
>;

/**
 * The node's state as the metrics and the admin views read it (docs/architecture.md "The core
 * facade"). Built on demand at scrape or admin-request time, never on the request path.
 */
export interface NodeSnapshot {
  nodeId: string;
  draining: boolean;
  joined: boolean;
  /** Live local items, their key+value bytes, live local tombstones. */
  items: number;
  bytes: number;
  tombstones: number;
  membershipVersion: number;
  membersByState: Record<MemberState, number>;
  /** Members on the ring (alive and suspect). */
  ringMembers: number;
  /** Every membership record, sorted by ID. */
  members: MemberView[];
  /** Open `/cluster/events` subscriptions. */
  sseSubscribers: number;
  /** What `/dist/metrics` shows: the distribution counters plus the gauges read now. */
  dist: DistMetrics;
  /** Every other count the core keeps (the live counters: read them while building one answer). */
  counters: CounterReadings;
}

/**
 * What everything outside the core calls on the node: the client operations, the receiving side
 * of the peer operations, the admin actions and the read model. Injected as the `NODE` seam.
 */
export interface CacheNodeApi {
  readonly nodeId: string;
  isDraining(): boolean;
  isJoined(): boolean;

  // Client API (entry node).
  put(cmd: PutCommand): Promise<WriteOutcome>;
  delete(cmd: DeleteCommand): Promise<WriteOutcome>;
  /**
   * `put` / `delete` applied and answered synchronously when no peer takes part (this node is the
   * key's only owner), throwing what they would reject with; `NOT_LOCAL` when peers are involved.
   */
  putLocal(cmd: PutCommand): WriteOutcome | typeof NOT_LOCAL;
  deleteLocal(cmd: DeleteCommand): WriteOutcome | typeof NOT_LOCAL;
  /**
   * Batch put and delete: one unit of work (docs/cluster.md §4.1), one result per command in order
   * (the outcome, or the error of that write). Same-key commands must go in separate calls.
   */
  putMany(cmds: readonly PutCommand[]): Promise<WriteResult[]>;
  deleteMany(cmds: readonly DeleteCommand[]): Promise<WriteResult[]>;
  /** Visible item or undefined (missing, expired, deleted). */
  get(key: string, consistency: Consistency): Promise<ItemEntry | undefined>;
  /** `get` answered synchronously from the local copy, or `NOT_LOCAL` when the read needs peers. */
  getLocal(key: string, consistency: Consistency): ItemEntry | undefined | typeof NOT_LOCAL;
  owners(key: string): string[];
  listKeys(q: ListKeysQuery): Promise<ListKeysResult>;

  // Peer operations, receiving side.
  /** `replicate`: apply-if-newer, one result per entry. */
  applyReplicated(source: ReplicateSource, entries: readonly Entry[]): ReplicateResult[];
  /** `read`: this owner's entry per key (item or live tombstone), undefined when it holds none. */
  readReplicas(keys: readonly string[]): (Entry | undefined)[];
  /** `coordinate`: a write forwarded by an entry node, coordinated here. */
  coordinateForwarded(req: CoordinateRequest): Promise<WriteOutcome>;
  /** `coordinate` carrying several operations: each coordinated here, one result per operation. */
  coordinateForwardedMany(reqs: readonly CoordinateRequest[]): Promise<WriteResult[]>;
  /** `merkle`: the anti-entropy answer over the entries co-owned with the sender. */
  answerMerkle(req: MerkleRequest): Promise<MerkleResponse>;
  /** `list_keys`: this node's `max` smallest matching live keys. */
  listLocalKeys(match: (key: string) => boolean, max: number): { keys: string[]; more: boolean };

  // Admin actions.
  drain(): boolean;
  clear(): number;
  scheduleEviction(): Promise<number>;
  /** Returns whether the request joined a sweep already pending. */
  scheduleExpiration(): boolean;
  /** Cluster events as they happen; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;

  // Observability.
  /** A 401 or 403 answered by a listener. */
  countAuthFailure(listener: string, reason: 'unauthenticated' | 'forbidden'): void;
  /** Where the core reports latencies (the Prometheus histograms). */
  useLatencySink(sink: LatencySink): void;
  /** The read model of the metrics and the admin views. */
  snapshot(): NodeSnapshot;
  /** `/cluster/ring`: every virtual node as `hash:node`, by hash. */
  ringVnodes(): string[];
  /** `/stats`: summaries of the sampled stats that have samples. */
  statsSummary(): Record<string, StatSummary>;
}
