import { byViewState } from '../core/membership/view-state.js';
import type { LatencySink } from '../core/metrics/core-counters.js';
import type { ApplySource } from '../core/store/store-events.js';
import { aggregatedHistogram } from './aggregated.js';
import { counter, gauge, histogram, LATENCY_BUCKETS } from './metric-factory.js';
import { type ScrapeTarget, scrapedTarget } from './scrape-target.js';

type Labels = Record<string, string>;
type Sample = [Labels, number];
type Read = (target: ScrapeTarget) => number | Sample[];

interface NodeMetric {
  type: 'counter' | 'gauge';
  name: string;
  help: string;
  labelNames: string[];
  /** Reads the current value(s) from the core at scrape time. */
  read: Read;
}

const gaugeOf = (name: string, help: string, read: Read, labelNames: string[] = []): NodeMetric =>
  ({ type: 'gauge', name, help, labelNames, read });
const counterOf = (name: string, help: string, read: Read, labelNames: string[] = []): NodeMetric =>
  ({ type: 'counter', name, help, labelNames, read });

const byLabel = (label: string, values: Record<string, number>): Sample[] =>
  Object.entries(values).map(([v, n]) => [{ [label]: v }, n]);

/** The `op|outcome` counts of CoreCounters, split back into two labels. */
const byPair = (a: string, b: string, values: Map<string, number>): Sample[] =>
  [...values].map(([k, n]) => {
    const [x = '', y = ''] = k.split('|');
    return [{ [a]: x, [b]: y }, n];
  });

const bySource = (values: Map<ApplySource, number>, sources: ApplySource[]): Sample[] =>
  sources.map((s) => [{ source: s }, values.get(s) ?? 0]);

/** Listeners with a client policy × reasons: present from the start, so rates begin at zero. */
// The dist listener has no scopes, so it only ever answers 401 (docs/auth.md §6).
const AUTH_FAILURE_SERIES = [
  ...['client', 'management'].flatMap((l) => ['unauthenticated', 'forbidden'].map((r) => [l, r])),
  ['dist', 'unauthenticated'],
];
const CACHE_OPS = ['get', 'put', 'delete'];
const PEER_OPS = ['ping', 'ping_req', 'gossip', 'join', 'coordinate', 'replicate', 'read', 'merkle', 'list_keys', 'health'];

/** Every `a × b` pair present (zero when never counted), plus any other pair counted. */
const allPairs = (a: string, as: string[], b: string, bs: string[], values: Map<string, number>): Sample[] => {
  const keys = new Set([...as.flatMap((x) => bs.map((y) => `${x}|${y}`)), ...values.keys()]);
  return byPair(a, b, new Map([...keys].map((k) => [k, values.get(k) ?? 0])));
};

const SOFT_SOURCES: ApplySource[] = ['repair', 'merkle', 'migration'];
const REMOTE_SOURCES: ApplySource[] = ['replication', 'hint', 'repair', 'merkle', 'migration', 'handoff'];

/**
 * Every docs/api.md §2.4 metric that has a meaning on one node, read from the core's plain counters at scrape
 * time. The cluster metrics that are exactly a docs/api.md §2.5 counter are read from it too, so they move
 * as soon as the cluster code counts.
 */
const NODE_METRICS: NodeMetric[] = [
  gaugeOf('hypercache_build_info', 'Build identity', (c) => [[{ version: c.version, node_id: c.snapshot.nodeId }, 1]], ['version', 'node_id']),
  counterOf('hypercache_auth_failures_total', '401/403 answers', (c) =>
    AUTH_FAILURE_SERIES.map(([listener = '', reason = '']) => {
      const n = c.snapshot.counters.authFailures.get(`${listener}|${reason}`) ?? 0;
      return [{ listener, reason }, n];
    }), ['listener', 'reason']),
  counterOf('hypercache_cache_operations_total', 'Single and batch-item operations at the entry node',
    (c) => byPair('op', 'outcome', c.snapshot.counters.cacheOps), ['op', 'outcome']),
  gaugeOf('hypercache_items', 'Live local items', (c) => c.snapshot.items),
  gaugeOf('hypercache_bytes', 'Key+value bytes of live local items', (c) => c.snapshot.bytes),
  gaugeOf('hypercache_capacity_items', 'Configured item cap (0 = none)', (c) => c.config.capacity),
  gaugeOf('hypercache_max_memory_bytes', 'Configured byte cap (0 = none)', (c) => c.config.maxMemory),
  gaugeOf('hypercache_tombstones', 'Live local tombstones', (c) => c.snapshot.tombstones),
  counterOf('hypercache_tombstones_purged_total', 'Tombstones purged', (c) => c.snapshot.counters.tombstonesPurged),
  counterOf('hypercache_evictions_total', 'Items evicted', (c) => byLabel('reason', c.snapshot.counters.evictions), ['reason']),
  counterOf('hypercache_expirations_total', 'Expired items removed', (c) => byLabel('trigger', c.snapshot.counters.expirations), ['trigger']),
  counterOf('hypercache_applies_skipped_total', 'Soft applies skipped at capacity',
    (c) => bySource(c.snapshot.counters.appliesSkipped, SOFT_SOURCES), ['source']),
  counterOf('hypercache_stale_applies_total', 'Incoming entries ignored as not newer',
    (c) => bySource(c.snapshot.counters.staleApplies, REMOTE_SOURCES), ['source']),
  counterOf('hypercache_replication_acks_total', 'Acks collected by coordinators (self included)',
    (c) => byLabel('op', c.snapshot.counters.replicationAcks), ['op']),
  counterOf('hypercache_quorum_failures_total', 'QUORUM_NOT_MET outcomes', (c) => byLabel('op', c.snapshot.counters.quorumFailures), ['op']),
  counterOf('hypercache_precondition_failures_total', '412 outcomes', (c) => byLabel('op', c.snapshot.counters.preconditionFailures), ['op']),
  gaugeOf('hypercache_members', 'Membership records by state', (c) => byLabel('state', byViewState(c.snapshot.membersByState)), ['state']),
  gaugeOf('hypercache_membership_version', 'Local membership version', (c) => c.snapshot.membershipVersion),
  gaugeOf('hypercache_draining', '1 while draining, else 0', (c) => Number(c.snapshot.draining)),
  gaugeOf('hypercache_joined', '1 once joined', (c) => Number(c.snapshot.joined)),
  // Each /cluster/events stream holds exactly one EventBus subscription.
  gaugeOf('hypercache_sse_subscribers', 'Open /cluster/events streams', (c) => c.snapshot.sseSubscribers),

  counterOf('hypercache_promotions_total', 'Next owner used because earlier candidates failed', (c) => {
    const d = c.snapshot.dist;
    return byLabel('op', { read: d.ReadPrimaryPromote, write: d.WriteForwardPromotion });
  }, ['op']),
  counterOf('hypercache_read_repairs_total', 'Entries sent by read repair', (c) => c.snapshot.dist.ReadRepair),
  counterOf('hypercache_version_conflicts_total', 'Differing entries seen by quorum/all reads', (c) => {
    const d = c.snapshot.dist;
    return byLabel('resolution', { version: d.VersionConflicts - d.VersionTieBreaks, origin: d.VersionTieBreaks });
  }, ['resolution']),
  gaugeOf('hypercache_hints_pending', 'Hints queued now', (c) => c.snapshot.dist.HintedPending),
  gaugeOf('hypercache_hints_pending_bytes', 'Bytes of the hints queued now', (c) => c.snapshot.dist.HintedBytes),
  counterOf('hypercache_merkle_keys_repaired_total', 'Entries reconciled by anti-entropy', (c) => {
    const d = c.snapshot.dist;
    return byLabel('direction', { pulled: d.MerkleKeysPulled, pushed: d.MerkleKeysPushed });
  }, ['direction']),
  counterOf('hypercache_heartbeat_probes_total', 'Probe outcomes', (c) => {
    const d = c.snapshot.dist;
    return [
      [{ kind: 'direct', outcome: 'success' }, d.HeartbeatSuccess],
      [{ kind: 'direct', outcome: 'failure' }, d.HeartbeatFailure],
      [{ kind: 'indirect', outcome: 'success' }, d.IndirectProbeSuccess],
      [{ kind: 'indirect', outcome: 'failure' }, d.IndirectProbeFailure],
    ];
  }, ['kind', 'outcome']),
  counterOf('hypercache_forwards_total', 'Requests forwarded to another owner',
    (c) => allPairs('op', CACHE_OPS, 'outcome', ['ok', 'error'], c.snapshot.counters.forwards), ['op', 'outcome']),
  counterOf('hypercache_replication_failures_total', 'Replica sends that failed',
    (c) => byLabel('op', c.snapshot.counters.replicationFailures), ['op']),
  counterOf('hypercache_member_transitions_total', 'Observed membership transitions',
    (c) => byLabel('to', byViewState(c.snapshot.counters.memberTransitions)), ['to']),
  counterOf('hypercache_peer_requests_total', 'Outbound peer calls',
    (c) => allPairs('op', PEER_OPS, 'outcome', ['ok', 'error', 'timeout'], c.snapshot.counters.peerRequests), ['op', 'outcome']),
  counterOf('hypercache_rebalance_migrations_total', 'Entries moved by rebalancing/handoff',
    (c) => byLabel('kind', c.snapshot.counters.rebalanceMigrations), ['kind']),
  counterOf('hypercache_rebalance_scans_total', 'Rebalance scans run (only after ring changes)', (c) => c.snapshot.counters.rebalanceScans),
  counterOf('hypercache_hints_queued_total', 'Hints queued', (c) => byLabel('source', c.snapshot.counters.hintsQueued), ['source']),
  counterOf('hypercache_hints_replayed_total', 'Hints delivered', (c) => byLabel('source', c.snapshot.counters.hintsReplayed), ['source']),
  counterOf('hypercache_hints_expired_total', 'Hints dropped after HINT_TTL', (c) => byLabel('source', c.snapshot.counters.hintsExpired), ['source']),
  counterOf('hypercache_hints_dropped_total', 'Hints dropped otherwise', (c) => byLabel('reason', c.snapshot.counters.hintsDropped), ['reason']),
  counterOf('hypercache_merkle_syncs_total', 'Anti-entropy rounds', (c) => byLabel('outcome', c.snapshot.counters.merkleSyncs), ['outcome']),
  counterOf('hypercache_merkle_deferred_total', 'Anti-entropy rounds left out while this node or the peer was rebalancing',
    (c) => c.snapshot.counters.merkleDeferred),
  counterOf('hypercache_refutations_total', 'Self refutations', (c) => c.snapshot.dist.Refutations),
  counterOf('hypercache_local_stalls_total', 'Heartbeat ticks more than HEARTBEAT late (this node was stalled)', (c) => c.snapshot.dist.LocalStalls),
  // Counters behind the Go server's /dist/metrics fields of the same mechanisms (docs/operations.md).
  counterOf('hypercache_replica_read_misses_total', 'Keys of inbound read peer requests this owner held no entry for',
    (c) => c.snapshot.dist.ReplicaGetMiss),
  counterOf('hypercache_read_repairs_batched_total', 'Read-repair entries sent in multi-entry replicate messages',
    (c) => c.snapshot.dist.ReadRepairBatched),
  counterOf('hypercache_read_repairs_coalesced_total', 'Read repairs that joined a replicate message already pending',
    (c) => c.snapshot.dist.ReadRepairCoalesced),
  counterOf('hypercache_rebalance_throttled_total', 'Rebalance scans and migration batches postponed by the in-flight limit', (c) => {
    const d = c.snapshot.dist;
    return byLabel('stage', { scan: d.RebalanceThrottle, batch: d.RebalanceReplicaDiffThrottle });
  }, ['stage']),
];

/** Registers the node collectors (once per process; they read whichever node is being scraped). */
export function registerNodeMetrics(): void {
  for (const m of NODE_METRICS) {
    const cfg = { name: m.name, help: m.help, labelNames: m.labelNames };
    if (m.type === 'counter') {
      counter({ ...cfg, collect() { refresh(m, (l, v) => this.inc(l, v), () => this.reset()); } });
    } else {
      gauge({ ...cfg, collect() { refresh(m, (l, v) => this.set(l, v), () => this.reset()); } });
    }
  }
}

function refresh(m: NodeMetric, put: (labels: Labels, value: number) => void, reset: () => void): void {
  const target = scrapedTarget();
  if (!target) return;
  reset();
  const value = m.read(target);
  if (typeof value === 'number') put({}, value);
  else for (const [labels, v] of value) put(labels, v);
}

/** The core's latency hooks, observed into the operation, peer call, anti-entropy and rebalance-scan histograms. */
export function cacheLatencySink(): LatencySink {
  const h = aggregatedHistogram('hypercache_cache_operation_duration_seconds', 'Operation latency at the entry node', ['op', 'consistency'], LATENCY_BUCKETS);
  const peer = aggregatedHistogram('hypercache_peer_request_duration_seconds', 'Outbound peer call latency', ['op'], LATENCY_BUCKETS);
  const merkle = histogram({ name: 'hypercache_merkle_sync_duration_seconds', help: 'Anti-entropy round duration', buckets: LATENCY_BUCKETS });
  const scan = histogram({ name: 'hypercache_rebalance_scan_duration_seconds', help: 'Rebalance scan duration', buckets: LATENCY_BUCKETS });
  return {
    cacheOperation: (op, consistency, seconds) => h.series(op, consistency).observe(seconds),
    peerRequest: (op, seconds) => peer.series(op).observe(seconds),
    merkleSync: (seconds) => merkle.observe(seconds),
    rebalanceScan: (seconds) => scan.observe(seconds),
  };
}
