import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';

/** Readiness indicator `drain`: down for good once the node drains (docs/lifecycle.md §4). */
@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(NODE) private readonly node: CacheNodeApi,
  ) {}

  check() {
    const draining = this.node.isDraining();
    const indicator = this.health.check('drain');
    return draining ? indicator.down({ draining }) : indicator.up({ draining });
  }
}
