import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';

/** Liveness indicator `process`: up whenever the event loop can answer. */
@Injectable()
export class ProcessHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CORE) private readonly core: Core,
  ) {}

  check() {
    const uptime_s = Math.floor((this.core.clock.now() - this.core.startedAt) / 1000);
    return this.health.check('process').up({ uptime_s });
  }
}
