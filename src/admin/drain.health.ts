import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';

/** Readiness indicator `drain`: down for good once the node drains (CONTRACT §1.5). */
@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CORE) private readonly core: Core,
  ) {}

  check() {
    const draining = this.core.node.isDraining();
    const indicator = this.health.check('drain');
    return draining ? indicator.down({ draining }) : indicator.up({ draining });
  }
}
