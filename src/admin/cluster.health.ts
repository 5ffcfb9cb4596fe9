import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';

/** Readiness indicator `cluster`: down until the node has joined (CONTRACT §1.2). */
@Injectable()
export class ClusterHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CORE) private readonly core: Core,
  ) {}

  check() {
    const { node } = this.core;
    const joined = node.isJoined();
    const data = { joined, alive: node.members.countByState().alive, ring_members: node.members.ringMembers().length };
    const indicator = this.health.check('cluster');
    return joined ? indicator.up(data) : indicator.down(data);
  }
}
