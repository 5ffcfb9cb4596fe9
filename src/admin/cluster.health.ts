import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { CacheNodeApi } from '../core/node-api.js';
import { NODE } from '../seams/tokens.js';

/** Readiness indicator `cluster`: down until the node has joined (docs/lifecycle.md §2). */
@Injectable()
export class ClusterHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(NODE) private readonly node: CacheNodeApi,
  ) {}

  check() {
    const { joined, membersByState, ringMembers } = this.node.snapshot();
    const data = { joined, alive: membersByState.alive, ring_members: ringMembers };
    const indicator = this.health.check('cluster');
    return joined ? indicator.up(data) : indicator.down(data);
  }
}
