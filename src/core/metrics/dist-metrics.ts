/**
 * The flat fields of GET /dist/metrics (docs/api.md, docs/operations.md §1.1): integers, cumulative unless a gauge (gauges
 * are refreshed on read), plus the one string field. The second group holds the fields of the Go
 * server's `DistMetrics` that its tools require; docs/operations.md says which mechanism of this
 * server each one counts, and which are always 0 here.
 */
export const DIST_METRIC_KEYS = [
  'ForwardGet', 'ForwardSet', 'ForwardRemove',
  'ReplicaFanoutSet', 'ReplicaFanoutRemove',
  'WriteAttempts', 'WriteAcks', 'WriteQuorumFailures',
  'WriteForwardPromotion', 'ReadPrimaryPromote',
  'ReadRepair', 'ReadQuorumFailures',
  'PreconditionFailures', 'StaleApplies',
  'VersionConflicts', 'VersionTieBreaks',
  'HeartbeatSuccess', 'HeartbeatFailure',
  'IndirectProbeSuccess', 'IndirectProbeFailure', 'IndirectProbeRefuted',
  'Refutations', 'LocalStalls',
  'NodesSuspect', 'NodesDead', 'NodesLeaving', 'NodesRemoved',
  'Drains',
  'HintedQueued', 'HintedReplayed', 'HintedExpired', 'HintedDropped', 'HintedGlobalDropped',
  'HintedPending', 'HintedBytes',
  'MigrationHintQueued', 'MigrationHintReplayed', 'MigrationHintExpired', 'MigrationHintDropped',
  'HandoffKeys',
  'MerkleSyncs', 'MerkleKeysPulled', 'MerkleKeysPushed',
  'MerkleBuildNanos', 'MerkleDiffNanos', 'MerkleFetchNanos',
  'TombstonesActive', 'TombstonesPurged',
  'RebalancedKeys', 'RebalancedPrimary', 'RebalancedReplicaDiff', 'RebalanceBatches',
  'RebalanceLastNanos',
  'Evictions', 'Expirations', 'AppliesSkipped',
  'ItemsLocal', 'BytesLocal',
  'MembershipVersion', 'MembersAlive', 'MembersSuspect', 'MembersDead', 'MembersLeaving',
  // The Go server's fields.
  'ReplicaGetMiss',
  'ReadRepairBatched', 'ReadRepairCoalesced',
  'MigrationHintLastAgeNanos',
  'AutoSyncLoops', 'AutoSyncCleanTicks', 'AutoSyncBackoffFactor', 'LastAutoSyncNanos',
  'ChaosDrops', 'ChaosLatencies',
  'RebalanceThrottle', 'RebalanceReplicaDiffThrottle',
] as const;

/** The string fields: `LastAutoSyncError` is `""` unless the last anti-entropy round failed. */
export const DIST_METRIC_STRING_KEYS = ['LastAutoSyncError'] as const;

export type DistMetricKey = (typeof DIST_METRIC_KEYS)[number];
export type DistMetrics = Record<DistMetricKey, number> & Record<(typeof DIST_METRIC_STRING_KEYS)[number], string>;

export function emptyDistMetrics(): DistMetrics {
  return {
    ...(Object.fromEntries(DIST_METRIC_KEYS.map((k) => [k, 0])) as Record<DistMetricKey, number>),
    // A multiplier: 1 means no backoff, and this server's anti-entropy runs at a fixed interval.
    AutoSyncBackoffFactor: 1,
    LastAutoSyncError: '',
  };
}
