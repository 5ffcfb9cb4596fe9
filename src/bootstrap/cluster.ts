import type { Logger } from 'pino';
import type { HypercacheConfig } from '../config/config.types.js';
import type { DistTlsMaterial } from '../config/load-files.js';
import type { CacheNode } from '../core/node.js';
import { CoalescingTransport } from '../core/replication/coalescing-transport.js';
import { batchByteBudget } from '../core/replication/message-limits.js';
import type { Clock } from '../core/time/clock.js';
import type { Scheduler } from '../core/time/scheduler.js';
import { PeerMembershipTransport } from '../peer/membership-transport.js';
import { createPeerClient, type PeerClient } from '../peer/peer-client.js';
import { PeerAntiEntropyTransport } from '../peer/antientropy-transport.js';
import { PeerKeyListingTransport } from '../peer/key-listing-transport.js';
import { PeerReplicationTransport } from '../peer/replication-transport.js';
import { MembershipDriver } from '../membership/membership-driver.js';
import { dnsSeedResolver } from '../membership/seed-resolver.js';

export interface Cluster {
  /** Outbound peer connection pools (closed at shutdown step 8). */
  peers: PeerClient;
  /** Drives the node's SWIM machine (started at startup step 9, stopped at shutdown step 6). */
  membership: MembershipDriver;
}

/** The process's peer client, replication transport and membership driver around the node's state machine. */
export function buildCluster(
  node: CacheNode,
  config: HypercacheConfig,
  logger: Logger,
  time: { clock: Clock; scheduler: Scheduler },
  distTls?: DistTlsMaterial,
): Cluster {
  const { clock, scheduler } = time;
  const peers = createPeerClient(config, logger, distTls, node.counters);
  // Concurrent single-entry replicates and single-key reads to one peer travel as one call per event-loop turn.
  node.useTransport(
    new CoalescingTransport(new PeerReplicationTransport(peers, config.maxValueBytes, logger), batchByteBudget(config.maxValueBytes), scheduler, node.counters),
  );
  node.useKeyListing(new PeerKeyListingTransport(peers));
  node.useAntiEntropy(new PeerAntiEntropyTransport(peers, config.maxValueBytes, logger));
  const membership = new MembershipDriver({
    machine: node.membership,
    transport: new PeerMembershipTransport(peers, logger),
    logger,
    heartbeatMs: config.heartbeatMs,
    gossipIntervalMs: config.gossipIntervalMs,
    dnsSeeds: config.seeds.filter((s) => s.kind === 'dns'),
    resolve: dnsSeedResolver(),
    now: () => Number(clock.hrtimeNs() / 1_000_000n),
    scheduler,
  });
  return { peers, membership };
}
