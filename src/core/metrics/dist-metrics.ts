/** The flat counters of GET /dist/metrics (CONTRACT §5.5); gauges are refreshed on read. */
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
] as const;

export type DistMetricKey = (typeof DIST_METRIC_KEYS)[number];
export type DistMetrics = Record<DistMetricKey, number>;

export function emptyDistMetrics(): DistMetrics {
  return Object.fromEntries(DIST_METRIC_KEYS.map((k) => [k, 0])) as DistMetrics;
}
