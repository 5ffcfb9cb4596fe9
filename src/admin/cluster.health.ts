import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { CacheNode } from '../core/node.js';
import { NODE } from '../seams/tokens.js';

/** Readiness indicator `cluster`: down until the node has joined (CONTRACT §1.2). */
@Injectable()
export class ClusterHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(NODE) private readonly node: CacheNode,
  ) {}

  check() {
    const { node } = this;
    const joined = node.isJoined();
    const data = { joined, alive: node.members.countByState().alive, ring_members: node.members.ringMembers().length };
    const indicator = this.health.check('cluster');
    return joined ? indicator.up(data) : indicator.down(data);
  }
}
