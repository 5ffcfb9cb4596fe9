import type { SchemaObject } from '@nestjs/swagger';
import { ApiOkResponse } from '../common/api-docs.js';
import { VIEW_STATES } from '../core/membership/view-state.js';
import { DIST_METRIC_KEYS, DIST_METRIC_STRING_KEYS } from '../core/metrics/dist-metrics.js';

/**
 * Response schemas of the management views (docs/api.md §2), in the field names and JSON types of
 * the Go server, which its tools (hypercache-monitor) check strictly.
 */
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const goDuration: SchemaObject = { type: 'string', description: 'Go duration string (`100ms`, `1m30s`, `0s`)' };

const object = (properties: Record<string, SchemaObject>, extra: SchemaObject = {}): SchemaObject => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...extra,
});

const CONFIG: SchemaObject = object({
  nodeId: str,
  capacity: int,
  allocation: { ...int, description: 'current local key+value bytes' },
  maxCacheSize: { ...int, description: 'HYPERCACHE_MAX_MEMORY in bytes (0 = none)' },
  evictionAlgorithm: { type: 'string', enum: ['lru', 'lfu'] },
  evictionInterval: { ...goDuration, description: 'always `0s`: caps are enforced by the write that exceeds them, no background eviction loop' },
  expirationInterval: { ...goDuration, description: 'active-expiry sweep interval' },
  replication: int,
  virtualNodesPerNode: int,
  readConsistency: { type: 'string', enum: ['one', 'quorum', 'all'] },
  writeConsistency: { type: 'string', enum: ['one', 'quorum', 'all'] },
  env: { type: 'object', additionalProperties: str, description: 'every HYPERCACHE_* variable with its effective value; tokens `<redacted>`' },
});

const DIST_METRICS: SchemaObject = object(
  Object.fromEntries([
    ...DIST_METRIC_KEYS.map((k) => [k, int] as const),
    ...DIST_METRIC_STRING_KEYS.map((k) => [k, { ...str, description: 'error of the last failed anti-entropy round; empty after a successful one' }] as const),
  ]),
  { description: 'Counters (cumulative) and gauges; docs/operations.md maps each field to its mechanism' },
);

const MEMBER: SchemaObject = object({
  ID: str,
  Address: { ...str, description: 'advertised dist address `host:port`' },
  State: { type: 'string', enum: [...VIEW_STATES], description: '`draining`: the member is leaving the cluster (drain or shutdown)' },
  Incarnation: int,
});

const MEMBERS: SchemaObject = object({
  replication: int,
  virtualNodes: int,
  members: { type: 'array', items: MEMBER, description: 'sorted by ID, self included; dead and draining records stay listed for 60 s' },
});

const RING: SchemaObject = object({
  count: int,
  vnodes: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{16}:.+$' }, description: '`<hash>:<node ID>`, by hash ascending' },
});

const HEARTBEAT: SchemaObject = object(
  Object.fromEntries(
    ['heartbeatSuccess', 'heartbeatFailure', 'nodesRemoved', 'readPrimaryPromote', 'indirectProbeSuccess', 'indirectProbeFailure', 'nodesSuspect'].map(
      (k) => [k, int],
    ),
  ),
);

const STAT_SUMMARY: SchemaObject = object({
  Mean: { type: 'number' },
  Median: { type: 'number' },
  Min: int,
  Max: int,
  Values: { type: 'array', items: int, description: 'the retained samples, ascending' },
  Count: int,
  Sum: int,
  Variance: { type: 'number' },
});

const STATS: SchemaObject = { type: 'object', additionalProperties: STAT_SUMMARY, description: 'stat name → summary; stats with no samples are omitted' };

const ok = (description: string, schema: SchemaObject) => ApiOkResponse({ description, content: { 'application/json': { schema } } });

export const ApiConfigView = () => ok('Effective configuration', CONFIG);
export const ApiDistMetrics = () => ok('Flat object of integer counters and gauges, and the string `LastAutoSyncError`', DIST_METRICS);
export const ApiMembersView = () => ok('Membership records', MEMBERS);
export const ApiRingView = () => ok('Virtual nodes of the alive and suspect members', RING);
export const ApiHeartbeatView = () => ok('Failure-detector counters (the /dist/metrics fields of these names)', HEARTBEAT);
export const ApiStatsView = () => ok('Stat name → summary', STATS);
